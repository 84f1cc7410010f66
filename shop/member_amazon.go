package shop

import (
	"context"
	"errors"
	"net/url"
	"regexp"

	"kago/amazonpay"
	"kago/model"
	"kago/store"
)

// Linking members with Amazon accounts (F-31 to F-35). Amazon's sign-in
// button sends the buyer back with a buyerToken; GET buyers/{buyerToken}
// (AMAZON-PAY.md section 5) gives the buyer ID, on which members are
// linked. The token is single-use and short-lived.

// Amazon sign-in messages.
const (
	msgAmazonSignInFailed = "Amazonアカウントを確認できませんでした。お手数ですが、もう一度「amazonでログイン」からお試しください。"
	// msgAmazonTaken: seed 000 4-2 6 shows an error for an Amazon account
	// that another member holds.
	msgAmazonTaken = "このAmazonアカウントは、すでに別の会員様のアカウントと連携されているため連携できません。"
	msgAmazonOther = "すでに別のAmazonアカウントと連携されています。連携を解除してから、もう一度お試しください。"
	// msgAmazonNotLinked follows seed 003 (運用方法 5) for a login with an
	// Amazon account no member is linked to.
	msgAmazonNotLinked = "このAmazonアカウントではログインできません。会員の方は、ログインIDとパスワードでログインし、マイページの「Amazon Pay連携」でAmazonアカウントを連携してからもう一度お試しください。"
)

// Errors of Amazon linking.
var (
	ErrAmazonTaken     = Invalid(msgAmazonTaken)
	ErrAmazonNotLinked = Invalid(msgAmazonNotLinked)
)

// AmazonSignIn is what a page needs for the 「amazonでログイン」 button:
// nil when Amazon Pay is not configured, so the menu and button are hidden.
func (m *Members) AmazonSignIn(ctx context.Context, returnPath, state, cancelPath string) (*AmazonPayButton, error) {
	a, err := m.AmazonPaySettings(ctx)
	if err != nil || !a.Configured() {
		return nil, err
	}
	client, err := m.amazonClient(a)
	if err != nil {
		return nil, err
	}
	payload := amazonpay.SignInPayload{
		SignInReturnURL: m.shopURL() + returnPath + "?state=" + url.QueryEscape(state),
		StoreID:         a.StoreID,
		SignInScopes:    []string{"name", "email"},
		SignInCancelURL: m.shopURL() + cancelPath,
	}
	sig, err := client.SignSignInButton(payload)
	if err != nil {
		return nil, err
	}
	return &AmazonPayButton{ScriptURL: client.ButtonScriptURL(), MerchantID: a.MerchantID, PublicKeyID: a.PublicKeyID,
		ProductType: amazonpay.ProductTypeSignIn, Placement: "Other", Color: a.ButtonColor, Sandbox: a.Environment != EnvLive,
		DisplayStyle: a.DisplayStyle, PayloadJSON: sig.PayloadJSON, Signature: sig.Signature, Algorithm: string(sig.Algorithm)}, nil
}

// AmazonConfigured tells whether Amazon Pay is set up, which shows the my
// page's 「Amazon Pay連携」 menu (seed 000 4-2).
func (m *Members) AmazonConfigured(ctx context.Context) (bool, error) {
	a, err := m.AmazonPaySettings(ctx)
	return err == nil && a.Configured(), err
}

var buyerTokenRe = regexp.MustCompile(`^[A-Za-z0-9._~=+/-]{8,1000}$`)

// amazonBuyerID asks Amazon whose sign-in a buyer token is. A forged,
// expired or reused token is an *InputError.
func (m *Members) amazonBuyerID(ctx context.Context, token string) (string, error) {
	if !buyerTokenRe.MatchString(token) {
		return "", Invalid(msgAmazonSignInFailed)
	}
	a, err := m.AmazonPaySettings(ctx)
	if err != nil {
		return "", err
	}
	if !a.Configured() {
		return "", Invalid(msgAmazonSignInFailed)
	}
	client, err := m.amazonClient(a)
	if err != nil {
		return "", err
	}
	b, err := client.GetBuyer(ctx, token)
	var apErr *amazonpay.Error
	switch {
	case errors.As(err, &apErr) && !apErr.Retryable():
		m.log.Info("amazon sign-in refused", "status", apErr.HTTPStatus, "reason", apErr.ReasonCode)
		return "", Invalid(msgAmazonSignInFailed)
	case err != nil:
		m.log.Warn("amazon sign-in: amazon pay unreachable", "err", err)
		return "", Invalid(msgAmazonUnavailable)
	}
	if b.BuyerID == "" {
		return "", Invalid(msgAmazonSignInFailed)
	}
	return b.BuyerID, nil
}

// LinkAmazon links the Amazon account of a sign-in (buyerToken) to an
// active member from the my page (F-31). Linking the account the member
// already has is fine; ErrAmazonTaken when another member holds it, also
// when two members link the same account at once (the unique buyer ID
// decides, one wins).
func (m *Members) LinkAmazon(ctx context.Context, memberID int64, buyerToken string) error {
	buyerID, err := m.amazonBuyerID(ctx, buyerToken)
	if err != nil {
		return err
	}
	return m.db.WithTx(ctx, func(tx *store.Tx) error {
		mem, err := activeMember(tx, memberID)
		if err != nil {
			return err
		}
		return linkAmazon(tx, mem, buyerID, model.SourceMyPage, 0)
	})
}

// linkAmazon links buyerID to mem inside the writer and records it.
func linkAmazon(tx *store.Tx, mem model.Member, buyerID, source string, orderID int64) error {
	switch mem.AmazonBuyerID {
	case buyerID:
		return nil
	case "":
	default:
		return Invalid(msgAmazonOther)
	}
	if err := tx.LinkAmazon(mem.ID, buyerID); errors.Is(err, store.ErrConflict) {
		return ErrAmazonTaken
	} else if err != nil {
		return err
	}
	return tx.AddMemberEvent(model.MemberEvent{MemberID: mem.ID, Kind: model.EventAmazonLinked, Source: source,
		AmazonBuyerID: buyerID, OrderID: orderID})
}

// UnlinkAmazon is 「アカウントを解除する」 (seed 000 4-5). Unlinking a member
// with no link is fine.
func (m *Members) UnlinkAmazon(ctx context.Context, memberID int64) error {
	return m.db.WithTx(ctx, func(tx *store.Tx) error {
		if _, err := activeMember(tx, memberID); err != nil {
			return err
		}
		err := unlinkAmazon(tx, memberID, model.SourceMyPage)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
}

// unlinkAmazon removes a link inside the writer and records it; ErrNotFound
// when there was none.
func unlinkAmazon(tx *store.Tx, memberID int64, source string) error {
	buyerID, err := tx.UnlinkAmazon(memberID)
	if err != nil {
		return err
	}
	return tx.AddMemberEvent(model.MemberEvent{MemberID: memberID, Kind: model.EventAmazonUnlinked, Source: source, AmazonBuyerID: buyerID})
}

// LoginWithAmazon logs in the member linked to the Amazon account of a
// sign-in (F-34, the login page's 「amazonでログイン」). ErrAmazonNotLinked
// when no member is linked to it.
func (m *Members) LoginWithAmazon(ctx context.Context, buyerToken string) (model.Member, error) {
	buyerID, err := m.amazonBuyerID(ctx, buyerToken)
	if err != nil {
		return model.Member{}, err
	}
	mem, err := m.db.MemberByAmazon(ctx, buyerID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && mem.Status != model.MemberActive) {
		return mem, ErrAmazonNotLinked
	}
	return mem, err
}
