package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"kago/amazonpay"
)

// alwaysLists are the fields Amazon sends as a list even when empty:
// clients index them directly (Amazon's PHP SDK hands back arrays).
var alwaysLists = map[string]bool{"constraints": true}

var (
	timestampType = reflect.TypeFor[amazonpay.Timestamp]()
	priceType     = reflect.TypeFor[amazonpay.Price]()
)

// amazonJSON writes an API object as Amazon does (AMAZON-PAY.md section 9,
// JP sandbox fixtures): every field of the object is present, a field
// without a value is null rather than left out (chargeId after completing a
// Confirm session, an empty reasonCode), booleans are written even when
// false (canHandlePendingAuthorization), and the fields of alwaysLists are
// [] when empty. The amazonpay types keep their omitempty tags for requests.
func amazonJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := writeWire(&b, reflect.ValueOf(v), ""); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeWire(b *bytes.Buffer, v reflect.Value, name string) error {
	if !v.IsValid() {
		b.WriteString("null")
		return nil
	}
	switch v.Type() {
	case timestampType:
		out, err := json.Marshal(v.Interface())
		b.Write(out)
		return err
	case priceType:
		if v.IsZero() {
			b.WriteString("null")
			return nil
		}
		out, err := json.Marshal(v.Interface())
		b.Write(out)
		return err
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		return writeWire(b, v.Elem(), name)
	case reflect.String:
		if v.Len() == 0 {
			b.WriteString("null")
			return nil
		}
		out, _ := json.Marshal(v.String())
		b.Write(out)
	case reflect.Bool, reflect.Int, reflect.Int64:
		out, _ := json.Marshal(v.Interface())
		b.Write(out)
	case reflect.Slice:
		if v.Len() == 0 {
			if alwaysLists[name] {
				b.WriteString("[]")
			} else {
				b.WriteString("null")
			}
			return nil
		}
		b.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeWire(b, v.Index(i), ""); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case reflect.Struct:
		b.WriteByte('{')
		first := true
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || key == "-" {
				continue
			}
			if key == "" {
				key = f.Name
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			k, _ := json.Marshal(key)
			b.Write(k)
			b.WriteByte(':')
			if err := writeWire(b, v.Field(i), key); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("emulator: cannot write %s as Amazon JSON", v.Type())
	}
	return nil
}
