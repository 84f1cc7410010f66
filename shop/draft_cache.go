package shop

import (
	"encoding/json"

	lru "github.com/hashicorp/golang-lru/v2"

	"kago/store"
)

// draftCache keeps the drafts last decoded. The cart and the order page
// open the shopper's checkout on every view, and decoding its JSON was a
// tenth of a cart page's time (issue 15). An entry serves only the same
// checkout row with the same stored text (every save changes the text);
// each caller gets a copy of its own (Draft.clone).
type draftCache struct {
	lru *lru.Cache[string, decodedDraft]
}

type decodedDraft struct {
	data  string // the row's JSON the draft was decoded from
	draft Draft
}

// maxDecodedDrafts bounds the cache (~2 KB a draft); past it the draft
// decoded longest ago goes.
const maxDecodedDrafts = 1024

func newDraftCache() draftCache {
	c, _ := lru.New[string, decodedDraft](maxDecodedDrafts) // fails only for a size < 1
	return draftCache{lru: c}
}

// decode returns the draft stored in row, from the cache when it holds
// that row's text, else decoded (json's errors).
func (c draftCache) decode(row store.Checkout) (Draft, error) {
	// Peek, not Get: a read takes only the read lock (see decodedCookies
	// in handlers).
	if e, ok := c.lru.Peek(row.ID); ok && e.draft.CartToken == row.CartToken && e.data == string(row.Data) {
		return e.draft.clone(), nil
	}
	d := Draft{ID: row.ID, CartToken: row.CartToken}
	if err := json.Unmarshal(row.Data, &d); err != nil {
		return d, err
	}
	c.lru.Add(row.ID, decodedDraft{data: string(row.Data), draft: d.clone()})
	return d, nil
}

// clone is a copy of the draft sharing nothing with it: its pointed parts
// (Amazon, Member and the member's coupon and registration) are copied.
// TestDraftCloneSharesNothing fails when Draft gains a part this misses.
func (d Draft) clone() Draft {
	if d.Amazon != nil {
		a := *d.Amazon
		d.Amazon = &a
	}
	if d.Member != nil {
		m := *d.Member
		if m.Coupon != nil {
			c := *m.Coupon
			m.Coupon = &c
		}
		if m.Register != nil {
			r := *m.Register
			m.Register = &r
		}
		d.Member = &m
	}
	return d
}
