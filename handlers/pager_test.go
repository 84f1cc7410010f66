package handlers

import (
	"net/url"
	"testing"
)

// TestPagerKeepsTheQuery: every link keeps the list's search and shelf,
// page 1 has no page parameter, and the links around the current page
// are the first, the last and two either side.
func TestPagerKeepsTheQuery(t *testing.T) {
	q := url.Values{"q": {"茶"}, "category": {"2"}, "page": {"5"}, "empty": {""}}
	pg := pager("/", q, 5, 10)
	if want := "/?category=2&page=4&q=%E8%8C%B6"; pg.Prev != want {
		t.Errorf("prev %q, want %q", pg.Prev, want)
	}
	if want := "/?category=2&page=6&q=%E8%8C%B6"; pg.Next != want {
		t.Errorf("next %q, want %q", pg.Next, want)
	}
	var got []string
	for _, l := range pg.Links {
		got = append(got, l.Label+" "+l.URL)
	}
	want := []string{"1 /?category=2&q=%E8%8C%B6", "… ", "3 /?category=2&page=3&q=%E8%8C%B6", "4 /?category=2&page=4&q=%E8%8C%B6",
		"5 /?category=2&page=5&q=%E8%8C%B6", "6 /?category=2&page=6&q=%E8%8C%B6", "7 /?category=2&page=7&q=%E8%8C%B6", "… ",
		"10 /?category=2&page=10&q=%E8%8C%B6"}
	if len(got) != len(want) {
		t.Fatalf("links %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("link %d: %q, want %q", i, got[i], want[i])
		}
	}
	if p := pager("/", url.Values{}, 2, 2); p.Prev != "/" || p.Links[1].URL != "/?page=2" || !p.Links[1].Current {
		t.Errorf("without a query: %+v", p)
	}
}
