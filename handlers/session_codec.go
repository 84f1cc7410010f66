package handlers

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/gorilla/securecookie"
	lru "github.com/hashicorp/golang-lru/v2"
)

// shopperCookieSerializer writes the shopper's cookie session as JSON
// instead of gorilla's gob, which builds a decoder with the type
// descriptions for every request: the session holds only IDs, a flag and
// flashes. Cookies written as gob before keep working (read as gob when
// they are not JSON) and are written as JSON at their next save.
//
// Values may be strings, bools, int64 (IDs, up to 2^53 so that JSON keeps
// them exact) and lists of strings (the flashes); keys are strings.
type shopperCookieSerializer struct{}

// maxExactInt is the largest integer a JSON number (float64) keeps exact.
const maxExactInt = 1 << 53

// Serialize encodes a session's values (*map[any]any or map[any]any); it
// fails on a key or value of another type.
func (shopperCookieSerializer) Serialize(src any) ([]byte, error) {
	var values map[any]any
	switch v := src.(type) {
	case map[any]any:
		values = v
	case *map[any]any:
		values = *v
	default:
		return nil, fmt.Errorf("session cookie: cannot encode %T", src)
	}
	out := make(map[string]any, len(values))
	for k, v := range values {
		name, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("session cookie: key %v is a %T, not a string", k, k)
		}
		switch v := v.(type) {
		case string, bool:
		case int64:
			if v > maxExactInt || v < -maxExactInt {
				return nil, fmt.Errorf("session cookie: %s = %d is too large", name, v)
			}
		case []any:
			for _, e := range v {
				if _, ok := e.(string); !ok {
					return nil, fmt.Errorf("session cookie: %s holds a %T", name, e)
				}
			}
		default:
			return nil, fmt.Errorf("session cookie: %s is a %T", name, v)
		}
		out[name] = v
	}
	return json.Marshal(out)
}

// Deserialize decodes into dst (*map[any]any): JSON as Serialize writes
// it, else a gob cookie from before. Numbers come back as int64.
func (shopperCookieSerializer) Deserialize(src []byte, dst any) error {
	values, ok := dst.(*map[any]any)
	if !ok {
		return fmt.Errorf("session cookie: cannot decode into %T", dst)
	}
	var in map[string]any
	if err := json.Unmarshal(src, &in); err != nil {
		return securecookie.GobEncoder{}.Deserialize(src, dst)
	}
	if *values == nil {
		*values = make(map[any]any, len(in))
	}
	for k, v := range in {
		if f, ok := v.(float64); ok {
			if f != float64(int64(f)) {
				return fmt.Errorf("session cookie: %s = %v is not an integer", k, f)
			}
			v = int64(f)
		}
		(*values)[k] = v
	}
	return nil
}

// decodedCookies keeps the shopper cookies decoded lately, by their exact
// text: each page view of a shopper decodes the cookie the view before it
// decoded, and verifying, decrypting and parsing it again was about a tenth
// of a product page (issue 15). A cookie is kept only after it decoded
// without error, with the time it expires; one holding flashes is not (the
// next page takes them, and the cookie changes). The text of a kept cookie
// was verified by its MAC, so the same text always decodes to the same
// values until it expires.
type decodedCookies struct {
	securecookie.Codec       // verifies and decodes what the cache does not hold
	maxAge             int64 // seconds a cookie is valid after it was written
	cache              *lru.Cache[string, decodedCookie]
}

type decodedCookie struct {
	name    string
	values  map[any]any // strings, bools and int64s only: a shallow copy is a copy
	expires int64       // Unix seconds
}

// maxDecodedCookies bounds the cache: one entry (~0.5 KB) per shopper
// browsing at once; past it the one decoded longest ago goes. A read does
// not count as a use (Peek, not Get): Get takes the cache's write lock,
// and under load the requests queued on it (a runtime trace of the order
// page at 256 connections, issue 15).
const maxDecodedCookies = 4096

// newDecodedCookies wraps codec, whose cookies are valid for maxAge seconds.
func newDecodedCookies(codec securecookie.Codec, maxAge int) *decodedCookies {
	cache, _ := lru.New[string, decodedCookie](maxDecodedCookies) // fails only for a size < 1
	return &decodedCookies{Codec: codec, maxAge: int64(maxAge), cache: cache}
}

// Decode decodes the cookie value of name into dst (*map[any]any), from
// the cache when it holds that text and it has not expired, else through
// the wrapped codec (whose errors it returns).
func (d *decodedCookies) Decode(name, value string, dst any) error {
	values, ok := dst.(*map[any]any)
	if !ok {
		return d.Codec.Decode(name, value, dst)
	}
	if e, ok := d.cache.Peek(value); ok && e.name == name && time.Now().Unix() <= e.expires {
		if *values == nil {
			*values = make(map[any]any, len(e.values))
		}
		maps.Copy(*values, e.values)
		return nil
	}
	if err := d.Codec.Decode(name, value, dst); err != nil {
		return err
	}
	written, ok := cookieTimestamp(value)
	if !ok {
		return nil
	}
	for _, v := range *values {
		switch v.(type) {
		case string, bool, int64:
		default: // flashes ([]any), or what a gob cookie from before held
			return nil
		}
	}
	d.cache.Add(value, decodedCookie{name: name, values: maps.Clone(*values), expires: written + d.maxAge})
	return nil
}

// cookieTimestamp reads the time a securecookie value was written
// (base64 of "date|value|mac", the date in Unix seconds).
func cookieTimestamp(value string) (int64, bool) {
	b, err := base64.URLEncoding.DecodeString(value)
	if err != nil {
		return 0, false
	}
	date, _, ok := bytes.Cut(b, []byte("|"))
	if !ok {
		return 0, false
	}
	t, err := strconv.ParseInt(string(date), 10, 64)
	return t, err == nil
}
