// Package amazonpay is a client for Amazon Pay API v2 (Checkout v2) in the
// Japanese region.
//
// It signs requests with AMZN-PAY-RSASSA-PSS-V2 (salt 32, the default) or the
// older AMZN-PAY-RSASSA-PSS (salt 20), sends them to Amazon's hosts (or to any
// base URL, such as the local emulator in package emulator), retries 408, 425,
// 429, 5xx and transport failures with exponential backoff while keeping the
// idempotency key, and maps Amazon's error bodies to *Error.
//
// It also signs the payloads given to Amazon's button script and verifies the
// SNS envelopes of instant payment notifications.
//
// The package knows nothing of the shop: it takes and returns Amazon's objects.
package amazonpay
