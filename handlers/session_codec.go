package handlers

import (
	"encoding/json"
	"fmt"

	"github.com/gorilla/securecookie"
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
