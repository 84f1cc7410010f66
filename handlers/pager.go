package handlers

import (
	"net/url"
	"strconv"

	"kago/views"
)

// pager links the pages of a list at path with the query q: the first and
// last page, two either side of the current one, and gaps between.
func pager(path string, q url.Values, page, pages int) views.Pager {
	if pages <= 1 {
		return views.Pager{}
	}
	v := url.Values{}
	for k, vals := range q {
		if k != "page" && len(vals) > 0 && vals[0] != "" {
			v.Set(k, vals[0])
		}
	}
	link := func(n int) string {
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		} else {
			v.Del("page")
		}
		if enc := v.Encode(); enc != "" {
			return path + "?" + enc
		}
		return path
	}
	var pg views.Pager
	if page > 1 {
		pg.Prev = link(page - 1)
	}
	if page < pages {
		pg.Next = link(page + 1)
	}
	for n := 1; n <= pages; n++ {
		switch {
		case n == 1 || n == pages || (n >= page-2 && n <= page+2):
			pg.Links = append(pg.Links, views.PagerLink{Label: strconv.Itoa(n), URL: link(n), Current: n == page})
		case len(pg.Links) > 0 && pg.Links[len(pg.Links)-1].URL != "":
			pg.Links = append(pg.Links, views.PagerLink{Label: "…"})
		}
	}
	return pg
}

// pageParam reads ?page=, 1 when absent or bad.
func pageParam(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return n
}
