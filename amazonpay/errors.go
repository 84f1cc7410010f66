package amazonpay

import (
	"errors"
	"fmt"
)

// Reason codes of Amazon Pay error responses (and of declines).
const (
	ReasonInvalidHeaderValue                = "InvalidHeaderValue"
	ReasonInvalidRequest                    = "InvalidRequest"
	ReasonInvalidRequestFormat              = "InvalidRequestFormat" // malformed JSON
	ReasonInvalidParameterValue             = "InvalidParameterValue"
	ReasonMissingHeader                     = "MissingHeader"
	ReasonMissingParameterValue             = "MissingParameterValue"
	ReasonUnrecognizedField                 = "UnrecognizedField"
	ReasonDuplicateIdempotencyKey           = "DuplicateIdempotencyKey"
	ReasonCurrencyMismatch                  = "CurrencyMismatch"
	ReasonInvalidSandboxSimulationSpecified = "InvalidSandboxSimulationSpecified"
	ReasonTransactionAmountExceeded         = "TransactionAmountExceeded"
	ReasonUnauthorizedAccess                = "UnauthorizedAccess"
	ReasonInvalidRequestSignature           = "InvalidRequestSignature"
	ReasonInvalidAccountStatus              = "InvalidAccountStatus"
	ReasonResourceNotFound                  = "ResourceNotFound"
	ReasonUnsupportedOperation              = "UnsupportedOperation"
	ReasonAmountMismatch                    = "AmountMismatch"
	ReasonInvalidCheckoutSessionStatus      = "InvalidCheckoutSessionStatus"
	ReasonCheckoutSessionCanceled           = "CheckoutSessionCanceled"
	ReasonInvalidChargePermissionStatus     = "InvalidChargePermissionStatus"
	ReasonInvalidChargeStatus               = "InvalidChargeStatus"
	ReasonSoftDeclined                      = "SoftDeclined"
	ReasonHardDeclined                      = "HardDeclined"
	ReasonPaymentMethodNotAllowed           = "PaymentMethodNotAllowed"
	ReasonMFANotCompleted                   = "MFANotCompleted"
	ReasonTransactionTimedOut               = "TransactionTimedOut"
	ReasonAmazonRejected                    = "AmazonRejected"
	ReasonTransactionCountExceeded          = "TransactionCountExceeded"
	ReasonTooManyRequests                   = "TooManyRequests"
	ReasonInternalServerError               = "InternalServerError"
	ReasonProcessingFailure                 = "ProcessingFailure"
	ReasonServiceUnavailable                = "ServiceUnavailable"
)

// Error is an error answer of Amazon Pay: the HTTP status and the reasonCode
// and message of the body. Use errors.As to get it:
//
//	var apErr *amazonpay.Error
//	if errors.As(err, &apErr) && apErr.ReasonCode == amazonpay.ReasonAmountMismatch { ... }
type Error struct {
	Operation  string // e.g. "CompleteCheckoutSession"
	HTTPStatus int
	ReasonCode string
	Message    string
	RequestID  string // x-amz-pay-request-id of the answer, if any
}

func (e *Error) Error() string {
	return fmt.Sprintf("amazonpay: %s: %d %s: %s", e.Operation, e.HTTPStatus, e.ReasonCode, e.Message)
}

// Retryable reports whether Amazon asks the caller to try again later
// (408, 425, 429, 5xx).
func (e *Error) Retryable() bool { return retryableStatus(e.HTTPStatus) }

func retryableStatus(code int) bool {
	return code == 408 || code == 425 || code == 429 || code >= 500
}

// ReasonCode returns the reasonCode of an *Error in err's chain, or "".
func ReasonCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.ReasonCode
	}
	return ""
}

// IsReason reports whether err carries one of the reason codes.
func IsReason(err error, codes ...string) bool {
	rc := ReasonCode(err)
	if rc == "" {
		return false
	}
	for _, c := range codes {
		if c == rc {
			return true
		}
	}
	return false
}
