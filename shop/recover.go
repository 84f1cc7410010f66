package shop

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kago/jp"
	"kago/mail"
	"kago/store"
)

// Recovery of Amazon Pay orders left behind (F-80): a buyer who paid but
// never came back to the result URL, a completion that died half-way, a
// session Amazon let expire. And the 受注未作成通知メール (F-52) when Amazon
// holds a payment for an order number the shop has not completed.

// RecoverySettings are the delays of the recovery, in Amazon Pay設定.
type RecoverySettings struct {
	// RecoverAfter: an order whose buyer has not come back is looked at
	// this long after it was placed (and again this long after each look
	// that found the buyer still at Amazon).
	RecoverAfter time.Duration
	// ClaimTimeout: a completion still running after this long is taken
	// to have died with its process; another may take it over.
	ClaimTimeout time.Duration
	// AlertAfter: Amazon holding a payment this long with no completed
	// order sends the 受注未作成通知メール (seed 000 5-7: within about 10
	// minutes of the order).
	AlertAfter time.Duration
}

// DefaultRecoverySettings: seed 000 5-7's ten minutes, and two minutes for
// a completion (its calls and retries take well under a minute).
func DefaultRecoverySettings() RecoverySettings {
	return RecoverySettings{RecoverAfter: 10 * time.Minute, ClaimTimeout: 2 * time.Minute, AlertAfter: 10 * time.Minute}
}

// The settings' keys hold seconds.
const (
	keyRecoverAfter = apPrefix + "recover_after"
	keyClaimTimeout = apPrefix + "claim_timeout"
	keyAlertAfter   = apPrefix + "alert_after"
)

func recoverySettingsFrom(kv map[string]string) RecoverySettings {
	rs := DefaultRecoverySettings()
	for key, dst := range map[string]*time.Duration{keyRecoverAfter: &rs.RecoverAfter, keyClaimTimeout: &rs.ClaimTimeout, keyAlertAfter: &rs.AlertAfter} {
		if n, err := strconv.ParseInt(kv[key], 10, 64); err == nil && n > 0 {
			*dst = time.Duration(n) * time.Second
		}
	}
	return rs
}

func (rs RecoverySettings) values() map[string]string {
	secs := func(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }
	return map[string]string{keyRecoverAfter: secs(rs.RecoverAfter), keyClaimTimeout: secs(rs.ClaimTimeout), keyAlertAfter: secs(rs.AlertAfter)}
}

// RecoverySettings reads the recovery's delays.
func (s *deps) RecoverySettings(ctx context.Context) (RecoverySettings, error) {
	kv, err := s.db.Settings(ctx)
	if err != nil {
		return RecoverySettings{}, err
	}
	return recoverySettingsFrom(kv), nil
}

// RecoveryInput is the recovery part of Amazon Pay設定 as typed: minutes,
// seconds and minutes.
type RecoveryInput struct {
	RecoverMinutes, ClaimSeconds, AlertMinutes string
	Base                                       string // FormBase of the settings shown
}

// Input is the form of the settings, with its base.
func (rs RecoverySettings) Input() RecoveryInput {
	return RecoveryInput{RecoverMinutes: strconv.Itoa(int(rs.RecoverAfter / time.Minute)), ClaimSeconds: strconv.Itoa(int(rs.ClaimTimeout / time.Second)),
		AlertMinutes: strconv.Itoa(int(rs.AlertAfter / time.Minute)), Base: FormBase(rs.values())}
}

// SaveRecoverySettings validates and stores the recovery's delays; a
// setting changed meanwhile elsewhere is refused (formbase.go). Fields:
// recover_minutes, claim_seconds, alert_minutes.
func (s *Shop) SaveRecoverySettings(ctx context.Context, in RecoveryInput) error {
	fields := map[string]string{}
	num := func(field, label, raw string, lo, hi int64, unit string) int64 {
		v, err := strconv.ParseInt(strings.TrimSpace(toHalfWidthDigits(raw)), 10, 64)
		if err != nil || v < lo || v > hi {
			fields[field] = fmt.Sprintf("%sは%dから%dまでの半角数字（%s）で入力してください。", label, lo, hi, unit)
		}
		return v
	}
	rs := RecoverySettings{
		RecoverAfter: time.Duration(num("recover_minutes", "未完了注文を確認するまでの時間", in.RecoverMinutes, 1, 1440, "分")) * time.Minute,
		ClaimTimeout: time.Duration(num("claim_seconds", "処理中の注文を引き継ぐまでの時間", in.ClaimSeconds, 30, 3600, "秒")) * time.Second,
		AlertAfter:   time.Duration(num("alert_minutes", "受注未作成通知メールまでの時間", in.AlertMinutes, 1, 1440, "分")) * time.Minute,
	}
	if len(fields) == 0 && rs.AlertAfter < rs.RecoverAfter {
		fields["alert_minutes"] = "受注未作成通知メールまでの時間は、未完了注文を確認するまでの時間以上にしてください（先に注文の完了を試みます）。"
	}
	if len(fields) > 0 {
		return &InputError{Message: "入力内容に誤りがあります。赤字の項目をご確認ください。", Fields: fields}
	}
	return s.saveMerged(ctx, in.Base, rs.values(), func(kv map[string]string) map[string]string { return recoverySettingsFrom(kv).values() })
}

// recoverBatch is how many payments one run of the recovery looks at.
const recoverBatch = 50

// RecoverAmazonOrders finishes or fails the Amazon Pay orders whose buyer
// has not come back olderThan after placing them (and those whose next
// look is due: a claim released at start-up or gone stale is due at once,
// the clock never starts again). It asks Amazon and takes the same
// exactly-once path as the result return, so it is safe beside shoppers
// and on several instances. It reports how many it settled.
func (s *deps) RecoverAmazonOrders(ctx context.Context, olderThan time.Duration) (int, error) {
	rs, err := s.RecoverySettings(ctx)
	if err != nil {
		return 0, err
	}
	now := s.db.Now()
	if n, err := s.db.ReleaseStaleCompletions(ctx, now.Add(-rs.ClaimTimeout)); err != nil {
		return 0, err
	} else if n > 0 {
		s.log.Warn("amazon pay completions taken back from a process that stopped answering", "count", n)
	}
	due, err := s.db.RecoverablePayments(ctx, now, now.Add(-olderThan), recoverBatch)
	if err != nil {
		return 0, err
	}
	settled := 0
	for _, p := range due {
		err := s.completeOnce(ctx, p, completion{actor: actorSystem, recheck: olderThan}, 0)
		switch {
		case errors.Is(err, ErrAmazonPending):
		case err != nil:
			return settled, err
		default:
			settled++
			s.log.Info("amazon pay order recovered", "order_id", p.OrderID)
		}
	}
	return settled, nil
}

// RunRecovery is the recovery job: the orders left behind (after the
// recovery delay of the settings) and the 受注未作成通知メール. It reports
// how many orders it settled and alerts it sent.
func (a *AmazonPay) RunRecovery(ctx context.Context) (int, error) {
	rs, err := a.RecoverySettings(ctx)
	if err != nil {
		return 0, err
	}
	n, err := a.RecoverAmazonOrders(ctx, rs.RecoverAfter)
	if err != nil {
		return n, err
	}
	m, err := a.AlertUnplacedPayments(ctx)
	return n + m, err
}

// noteUnplaced records that Amazon holds a payment (permission, amount in
// yen) for a merchant reference with no completed order; the alert mail
// goes after the alert delay if the order is still missing then.
func (s *deps) noteUnplaced(ctx context.Context, ref, permissionID string, orderID, amount int64) error {
	if ref == "" {
		return nil
	}
	s.log.Warn("amazon pay holds a payment with no completed order", "reference", ref, "permission", permissionID, "order_id", orderID)
	return s.db.NoteAlert(ctx, store.AmazonAlert{Reference: ref, PermissionID: permissionID, OrderID: orderID, Amount: amount})
}

// AlertUnplacedPayments sends the shop 「Amazon Pay 受注未作成通知メール」
// (F-52, seed 000 5-7), once per merchant reference, for each payment
// Amazon has held for the alert delay with no completed order; an alert
// whose order was completed meanwhile is closed without a mail. It reports
// how many mails it wrote.
func (s *deps) AlertUnplacedPayments(ctx context.Context) (int, error) {
	rs, err := s.RecoverySettings(ctx)
	if err != nil {
		return 0, err
	}
	before := s.db.Now().Add(-rs.AlertAfter)
	stuck, err := s.db.CompletedButPending(ctx, before, recoverBatch)
	if err != nil {
		return 0, err
	}
	for _, p := range stuck {
		if err := s.noteUnplaced(ctx, p.MerchantReference, p.ChargePermissionID, p.OrderID, p.Amount); err != nil {
			return 0, err
		}
	}
	due, err := s.db.DueAlerts(ctx, before, recoverBatch)
	if err != nil {
		return 0, err
	}
	mailed := 0
	for _, al := range due {
		p, err := s.db.AmazonPaymentByReference(ctx, al.Reference)
		if err == nil && p.State == store.AmazonDone && (al.PermissionID == "" || p.ChargePermissionID == al.PermissionID) {
			if err := s.db.ResolveAlert(ctx, al.Reference); err != nil {
				return mailed, err
			}
			continue
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return mailed, err
		}
		sent := false
		err = s.db.WithTx(ctx, func(tx *store.Tx) error {
			sent = false // WithTx may run this again
			first, err := tx.MarkAlertMailed(al.Reference)
			if err != nil || !first {
				return err
			}
			kv, err := tx.Settings()
			if err != nil {
				return err
			}
			st := s.withShopURL(settingsFrom(kv))
			_, err = s.outbox.Enqueue(tx, mail.Message{Kind: mail.KindAmazonUnplaced, From: st.SenderEmail, FromName: st.senderName(),
				To: st.CopyAddress(), Subject: UnplacedSubject, Body: unplacedBody(st, al, s.shopURL()), OrderID: al.OrderID})
			sent = err == nil
			return err
		})
		if err != nil {
			return mailed, err
		}
		if sent {
			mailed++
		}
	}
	return mailed, nil
}

// UnplacedSubject is the subject of the 受注未作成通知メール (seed 000 5-7).
const UnplacedSubject = "Amazon Pay 受注未作成通知メール"

// unplacedBody is the 受注未作成通知メール's text: seed 000 5-7's, with the
// reference ID and what to do in this shop.
func unplacedBody(st Settings, al store.AmazonAlert, shopURL string) string {
	var b strings.Builder
	b.WriteString("Amazon Pay 受注未作成決済 通知メール\n\n")
	fmt.Fprintf(&b, "%sでの受注が未作成のまま作成された決済の情報を検知しました。\n", st.ShopName)
	b.WriteString("Amazon Payのセラーセントラルより対象の決済情報をご確認ください。\n内容は以下のとおりです。\n\n")
	fmt.Fprintf(&b, "販売事業者注文番号：%s\n", al.Reference)
	if al.PermissionID != "" {
		fmt.Fprintf(&b, "Amazonリファレンス ID：%s\n", al.PermissionID)
	}
	if al.Amount > 0 {
		fmt.Fprintf(&b, "金額：%s\n", jp.Yen(al.Amount))
	}
	fmt.Fprintf(&b, "検知日時：%s\n\n", jp.DateTime(al.SeenAt))
	b.WriteString("■対応方法\n")
	b.WriteString("1. 管理画面の「決済直前ログ」で、この注文番号の行をご確認ください。\n")
	b.WriteString("   Amazon Payがお支払いを保持している場合は「受注データを作成」で受注を作成できます\n")
	b.WriteString("   （在庫を確保し、お客様にサンクスメールをお送りします）。\n")
	b.WriteString("2. 受注を作成しない場合や、決済直前ログに見当たらない場合は、セラーセントラルで\n")
	b.WriteString("   この決済を返金またはキャンセル（破棄）してください。\n\n")
	fmt.Fprintf(&b, "決済直前ログ：\n  %s/admin/amazonpay/prepayment-log\n\n", strings.TrimRight(shopURL, "/"))
	b.WriteString("※このメールは管理画面のプログラムが自動で送信しています。このメールへの返信は届きません。\n")
	return b.String()
}
