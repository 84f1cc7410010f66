package shop

import (
	"context"
	"net/mail"
	"strings"
	"unicode/utf8"

	"kago/store"
)

// Settings are the shop owner's choices, typed; stored as key-value rows.
type Settings struct {
	ShopName    string // 店舗名
	SenderEmail string // 送信元メールアドレス
	NotifyEmail string // 受注通知先メールアドレス
}

// DefaultSettings is what a new shop starts with.
func DefaultSettings() Settings {
	return Settings{
		ShopName:    "かご屋 デモショップ",
		SenderEmail: "shop@example.com",
		NotifyEmail: "orders@example.com",
	}
}

func (st Settings) values() map[string]string {
	return map[string]string{
		"shop_name":    st.ShopName,
		"sender_email": st.SenderEmail,
		"notify_email": st.NotifyEmail,
	}
}

func settingsFrom(kv map[string]string) Settings {
	st := DefaultSettings()
	set := func(dst *string, key string) {
		if v, ok := kv[key]; ok {
			*dst = v
		}
	}
	set(&st.ShopName, "shop_name")
	set(&st.SenderEmail, "sender_email")
	set(&st.NotifyEmail, "notify_email")
	return st
}

// Settings reads the current settings.
func (s *Shop) Settings(ctx context.Context) (Settings, error) {
	kv, err := s.db.Settings(ctx)
	if err != nil {
		return Settings{}, err
	}
	return settingsFrom(kv), nil
}

func (st *Settings) validate() error {
	fields := map[string]string{}
	st.ShopName = strings.TrimSpace(st.ShopName)
	if n := utf8.RuneCountInString(st.ShopName); n == 0 || n > 60 {
		fields["shop_name"] = "店舗名を60文字以内で入力してください。"
	}
	for key, p := range map[string]*string{"sender_email": &st.SenderEmail, "notify_email": &st.NotifyEmail} {
		*p = strings.TrimSpace(*p)
		if !ValidEmail(*p) {
			fields[key] = "メールアドレスの形式が正しくありません。"
		}
	}
	if len(fields) > 0 {
		return &InputError{Fields: fields}
	}
	return nil
}

// SaveSettings validates and stores the settings.
func (s *Shop) SaveSettings(ctx context.Context, st Settings) error {
	if err := st.validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error { return tx.PutSettings(st.values()) })
}

// ValidEmail accepts a bare address such as taro@example.jp.
func ValidEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndex(s, "@"):], ".")
}
