package amazonpay

import (
	"context"
	"net/http"
)

// GetBuyer returns the buyer of a sign-in (GET buyers/{buyerToken}). Treat the
// token as single-use and short-lived.
func (c *Client) GetBuyer(ctx context.Context, buyerToken string, opts ...RequestOption) (*Buyer, error) {
	var out Buyer
	err := c.do(ctx, call{op: "GetBuyer", method: http.MethodGet, path: "/buyers/" + seg(buyerToken), opts: opts}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateCheckoutSession creates a checkout session (usually the button
// script does this). idempotencyKey should be derived from the caller's
// operation; a random one is used when it is empty.
func (c *Client) CreateCheckoutSession(ctx context.Context, req CreateCheckoutSessionRequest, idempotencyKey string, opts ...RequestOption) (*CheckoutSession, error) {
	return c.session(ctx, call{op: "CreateCheckoutSession", method: http.MethodPost, path: "/checkoutSessions", body: req, idemKey: idempotencyKey, needsKey: true, opts: opts})
}

// GetCheckoutSession returns a checkout session.
func (c *Client) GetCheckoutSession(ctx context.Context, checkoutSessionID string, opts ...RequestOption) (*CheckoutSession, error) {
	return c.session(ctx, call{op: "GetCheckoutSession", method: http.MethodGet, path: "/checkoutSessions/" + seg(checkoutSessionID), opts: opts})
}

// UpdateCheckoutSession updates an open checkout session; once no constraint
// remains, webCheckoutDetails.amazonPayRedirectUrl of the answer is where to
// send the buyer.
func (c *Client) UpdateCheckoutSession(ctx context.Context, checkoutSessionID string, req UpdateCheckoutSessionRequest, opts ...RequestOption) (*CheckoutSession, error) {
	return c.session(ctx, call{op: "UpdateCheckoutSession", method: http.MethodPatch, path: "/checkoutSessions/" + seg(checkoutSessionID), body: req, opts: opts})
}

// CompleteCheckoutSession confirms the checkout after the buyer's return to
// checkoutResultReturnUrl. The amount must equal the session's chargeAmount.
// Amazon answers 202 while the authorization is pending: the charge named by
// chargeId is then AuthorizationInitiated.
func (c *Client) CompleteCheckoutSession(ctx context.Context, checkoutSessionID string, req CompleteCheckoutSessionRequest, idempotencyKey string, opts ...RequestOption) (*CheckoutSession, error) {
	return c.session(ctx, call{op: "CompleteCheckoutSession", method: http.MethodPost, path: "/checkoutSessions/" + seg(checkoutSessionID) + "/complete", body: req, idemKey: idempotencyKey, needsKey: true, opts: opts})
}

func (c *Client) session(ctx context.Context, k call) (*CheckoutSession, error) {
	var out CheckoutSession
	if err := c.do(ctx, k, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetChargePermission returns a charge permission.
func (c *Client) GetChargePermission(ctx context.Context, chargePermissionID string, opts ...RequestOption) (*ChargePermission, error) {
	return c.permission(ctx, call{op: "GetChargePermission", method: http.MethodGet, path: "/chargePermissions/" + seg(chargePermissionID), opts: opts})
}

// UpdateChargePermission updates the merchant metadata of a charge permission.
func (c *Client) UpdateChargePermission(ctx context.Context, chargePermissionID string, req UpdateChargePermissionRequest, opts ...RequestOption) (*ChargePermission, error) {
	return c.permission(ctx, call{op: "UpdateChargePermission", method: http.MethodPatch, path: "/chargePermissions/" + seg(chargePermissionID), body: req, opts: opts})
}

// CloseChargePermission closes a charge permission (DELETE with a JSON body).
func (c *Client) CloseChargePermission(ctx context.Context, chargePermissionID string, req CloseChargePermissionRequest, opts ...RequestOption) (*ChargePermission, error) {
	return c.permission(ctx, call{op: "CloseChargePermission", method: http.MethodDelete, path: "/chargePermissions/" + seg(chargePermissionID) + "/close", body: req, opts: opts})
}

func (c *Client) permission(ctx context.Context, k call) (*ChargePermission, error) {
	var out ChargePermission
	if err := c.do(ctx, k, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateCharge authorizes (and with CaptureNow captures) an amount on a
// charge permission.
func (c *Client) CreateCharge(ctx context.Context, req CreateChargeRequest, idempotencyKey string, opts ...RequestOption) (*Charge, error) {
	return c.charge(ctx, call{op: "CreateCharge", method: http.MethodPost, path: "/charges", body: req, idemKey: idempotencyKey, needsKey: true, opts: opts})
}

// GetCharge returns a charge.
func (c *Client) GetCharge(ctx context.Context, chargeID string, opts ...RequestOption) (*Charge, error) {
	return c.charge(ctx, call{op: "GetCharge", method: http.MethodGet, path: "/charges/" + seg(chargeID), opts: opts})
}

// CaptureCharge captures at most the authorized amount of a charge.
func (c *Client) CaptureCharge(ctx context.Context, chargeID string, req CaptureChargeRequest, idempotencyKey string, opts ...RequestOption) (*Charge, error) {
	return c.charge(ctx, call{op: "CaptureCharge", method: http.MethodPost, path: "/charges/" + seg(chargeID) + "/capture", body: req, idemKey: idempotencyKey, needsKey: true, opts: opts})
}

// CancelCharge cancels an authorized charge (DELETE with a JSON body).
func (c *Client) CancelCharge(ctx context.Context, chargeID string, req CancelChargeRequest, opts ...RequestOption) (*Charge, error) {
	return c.charge(ctx, call{op: "CancelCharge", method: http.MethodDelete, path: "/charges/" + seg(chargeID) + "/cancel", body: req, opts: opts})
}

func (c *Client) charge(ctx context.Context, k call) (*Charge, error) {
	var out Charge
	if err := c.do(ctx, k, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateRefund refunds (part of) a captured charge; refunds are always
// asynchronous: the answer is RefundInitiated.
func (c *Client) CreateRefund(ctx context.Context, req CreateRefundRequest, idempotencyKey string, opts ...RequestOption) (*Refund, error) {
	return c.refund(ctx, call{op: "CreateRefund", method: http.MethodPost, path: "/refunds", body: req, idemKey: idempotencyKey, needsKey: true, opts: opts})
}

// GetRefund returns a refund.
func (c *Client) GetRefund(ctx context.Context, refundID string, opts ...RequestOption) (*Refund, error) {
	return c.refund(ctx, call{op: "GetRefund", method: http.MethodGet, path: "/refunds/" + seg(refundID), opts: opts})
}

func (c *Client) refund(ctx context.Context, k call) (*Refund, error) {
	var out Refund
	if err := c.do(ctx, k, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
