package shop

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kago/documents"
	"kago/model"
	"kago/store"
)

// The merchant's side of members (F-36): the list with its search and the
// 「Amazon連携」 filter (seed 004), the detail with 連携済み / 未連携, the link
// time and the history (seed 000 4-6), and the CSV with the link time.

// MemberSearchInput is the member search as it arrives in the query string.
type MemberSearchInput struct {
	Number, Name, Email, LoginID, Phone, Amazon, Status string
	After, Before                                       string // page cursors
}

// MemberSearch is a checked search.
type MemberSearch struct {
	Filter        store.MemberFilter
	After, Before int64
}

// ParseMemberSearch checks a search; InputError fields are the query keys.
func ParseMemberSearch(in MemberSearchInput) (MemberSearch, error) {
	var q MemberSearch
	fields := map[string]string{}
	if s := strings.TrimSpace(toHalfWidthDigits(in.Number)); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			fields["number"] = "会員番号は半角数字で入力してください。"
		}
		q.Filter.Number = n
	}
	q.Filter.NamePrefix = NormalizeSearchName(in.Name)
	if utf8.RuneCountInString(q.Filter.NamePrefix) > maxSearchName {
		fields["name"] = "お名前は50文字以内で入力してください。"
	}
	q.Filter.Email = strings.TrimSpace(toHalfWidth(in.Email))
	if len(q.Filter.Email) > maxSearchEmail {
		fields["email"] = "メールアドレスが長すぎます。"
	}
	q.Filter.LoginID = strings.TrimSpace(toHalfWidth(in.LoginID))
	if len(q.Filter.LoginID) > 32 {
		fields["login_id"] = "ログインIDが長すぎます。"
	}
	if p := strings.TrimSpace(in.Phone); p != "" {
		phone, ok := NormalizePhone(p)
		if !ok {
			fields["phone"] = "電話番号は市外局番から10桁または11桁の数字で入力してください。"
		}
		q.Filter.Phone = phone
	}
	switch in.Amazon {
	case "", store.AmazonLinked, store.AmazonUnlinked:
		q.Filter.Amazon = in.Amazon
	default:
		fields["amazon"] = "Amazon連携の指定が正しくありません。"
	}
	switch in.Status {
	case "", model.MemberActive, model.MemberProvisional, model.MemberWithdrawn:
		q.Filter.Status = in.Status
	default:
		fields["status"] = "会員の状態の指定が正しくありません。"
	}
	var err error
	if q.After, err = parseCursor(in.After); err == nil {
		q.Before, err = parseCursor(in.Before)
	}
	if err != nil || (q.After > 0 && q.Before > 0) {
		fields["page"] = "ページの指定が正しくありません。最初のページから表示し直してください。"
		q.After, q.Before = 0, 0
	}
	if len(fields) > 0 {
		return q, &InputError{Fields: fields}
	}
	return q, nil
}

// MembersPerPage is the length of a page of the member list.
const MembersPerPage = 50

// SearchMembers lists one page of a search, newest first.
func (m *Members) SearchMembers(ctx context.Context, q MemberSearch) (store.MemberPage, error) {
	return m.db.SearchMembers(ctx, q.Filter, q.After, q.Before, MembersPerPage)
}

// MemberDetail is everything the admin's member page shows.
type MemberDetail struct {
	Member model.Member
	Events []model.MemberEvent
	Points []model.PointEntry
	Orders []store.OrderSummary
}

// MemberDetail reads a member of any state with its history, points and
// orders.
func (m *Members) MemberDetail(ctx context.Context, id int64) (MemberDetail, error) {
	var d MemberDetail
	var err error
	if d.Member, err = m.db.Member(ctx, id); err != nil {
		return d, err
	}
	if d.Events, err = m.db.MemberEvents(ctx, id); err != nil {
		return d, err
	}
	if d.Points, err = m.db.MemberPoints(ctx, id, MemberPointsLimit); err != nil {
		return d, err
	}
	d.Orders, err = m.db.MemberOrders(ctx, id, MemberOrdersLimit)
	return d, err
}

// MemberStatusLabel is the merchant's word for a member state.
func MemberStatusLabel(s string) string {
	switch s {
	case model.MemberActive:
		return "会員"
	case model.MemberProvisional:
		return "仮登録"
	case model.MemberWithdrawn:
		return "退会済み"
	}
	return s
}

// MemberSourceLabel says how a member was registered.
func MemberSourceLabel(s string) string {
	switch s {
	case model.MemberViaForm:
		return "会員登録ページ"
	case model.MemberViaCheckout:
		return "ご注文と同時に登録"
	case model.MemberViaAmazon:
		return "Amazonアカウントで登録"
	}
	return s
}

var memberCSVHeader = []string{"会員番号", "状態", "登録方法", "ログインID", "メールアドレス", "姓", "名", "セイ", "メイ", "電話番号",
	"郵便番号", "都道府県", "市区町村", "番地", "建物名・部屋番号", "ポイント", "登録日時", "退会日時", "Amazon連携", "AmazonID連携日時"}

// MembersCSVFilename names an export made at t: members_20250401-103000.csv
// in Japan time.
func MembersCSVFilename(t time.Time) string {
	return "members_" + t.In(Japan).Format("20060102-150405") + ".csv"
}

// ExportMembersCSV writes every member of a search as CSV for Excel (UTF-8
// with a byte-order mark, CRLF), newest first. AmazonID連携日時 is filled for
// linked members only (seed 004). Rows are written as they are read.
func (m *Members) ExportMembersCSV(ctx context.Context, f store.MemberFilter, w io.Writer) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(memberCSVHeader); err != nil {
		return err
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(Japan).Format("2006/01/02 15:04:05")
	}
	err := m.db.EachMember(ctx, f, func(mem model.Member) error {
		a := mem.Address
		linked := "未連携"
		if mem.Linked() {
			linked = "連携済み"
		}
		text := documents.Text
		return cw.Write([]string{strconv.FormatInt(mem.ID, 10), MemberStatusLabel(mem.Status), MemberSourceLabel(mem.Source),
			text(mem.LoginID), text(mem.Email), text(a.FamilyName), text(a.GivenName), text(a.FamilyKana), text(a.GivenKana),
			documents.KeepDigits(a.Phone), documents.KeepDigits(a.PostalCode), text(a.Prefecture), text(a.City), text(a.Address1),
			text(a.Address2), strconv.FormatInt(mem.Points, 10),
			when(mem.CreatedAt), when(mem.WithdrawnAt), linked, when(mem.AmazonLinkedAt)})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// OrderMember returns the member an order belongs to; ok is false for a
// guest's order.
func (m *Members) OrderMember(ctx context.Context, orderID int64) (model.Member, bool, error) {
	o, err := m.db.Order(ctx, orderID)
	if err != nil || !o.MemberID.Valid {
		return model.Member{}, false, err
	}
	mem, err := m.db.Member(ctx, o.MemberID.Int64)
	return mem, err == nil, err
}
