package amazonpay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// TimeFormat is the compact ISO 8601 form Amazon uses in responses and the PHP,
// Java and .NET SDKs use in x-amz-pay-date, e.g. 20240102T030405Z.
const TimeFormat = "20060102T150405Z"

// NodeTimeFormat is the form the Node SDK uses in x-amz-pay-date, e.g.
// 2024-01-02T03:04:05Z.
const NodeTimeFormat = "2006-01-02T15:04:05Z"

// ParseTime parses an Amazon timestamp in either form (and RFC 3339 with a
// fraction or an offset, as a courtesy).
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{TimeFormat, NodeTimeFormat, time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("amazonpay: bad timestamp %q", s)
}

// Timestamp is a time in Amazon's JSON: "20200222T041614Z", or null when zero.
type Timestamp struct{ time.Time }

// TimestampOf returns t as a Timestamp, rounded down to whole seconds in UTC.
func TimestampOf(t time.Time) Timestamp {
	if t.IsZero() {
		return Timestamp{}
	}
	return Timestamp{t.UTC().Truncate(time.Second)}
}

// MarshalJSON writes the compact form, or null for the zero time.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(TimeFormat) + `"`), nil
}

// UnmarshalJSON reads either form, null or "".
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}
