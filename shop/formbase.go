package shop

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"sort"
)

// Lost updates (issue 9 item 3): an admin form carries a fingerprint of the
// values it was shown with (its "base"). Saving compares three versions of
// each field: the base, what the form sends, and what is stored now.
//
//   - the form sends the base value: the owner did not touch the field, and
//     whatever is stored now (say, stock sold meanwhile) stays;
//   - the stored value is still the base: nobody else changed it, and the
//     form's value is written;
//   - both changed, to different values: the form is refused for that field
//     with the value stored now, instead of overwriting it unseen.
//
// A request without a base (a script, not the admin's form) writes what it
// sends, as before.

// FormBase fingerprints the values a form is rendered with, for a hidden
// "base" field. Values are the canonical texts the form's parse produces.
func FormBase(values map[string]string) string {
	v := url.Values{}
	for k, val := range values {
		v.Set(k, fingerprint(val))
	}
	return v.Encode()
}

func fingerprint(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// mergeForm decides, field by field, what to write. typed and current hold
// canonical texts; fields missing from typed are not on the form and keep
// their stored value. It returns the fields to write (sorted) and those
// changed both on the form and meanwhile to something else (sorted).
func mergeForm(base string, typed, current map[string]string) (write, conflicts []string) {
	b, err := url.ParseQuery(base)
	noBase := base == "" || err != nil
	for k, t := range typed {
		c, stored := current[k]
		if stored && t == c {
			continue
		}
		if noBase || !stored {
			write = append(write, k)
			continue
		}
		fp, known := b[k]
		switch {
		case known && fp[0] == fingerprint(t): // untouched on the form
		case known && fp[0] == fingerprint(c): // untouched meanwhile
			write = append(write, k)
		default:
			conflicts = append(conflicts, k)
		}
	}
	sort.Strings(write)
	sort.Strings(conflicts)
	return write, conflicts
}

// StaleFormError refuses a form whose fields were changed by someone else
// since it was opened. Fields names each with the value stored now; Base is
// the fingerprint of everything stored now, so the form shown again (with
// what the owner typed) saves on the next try.
type StaleFormError struct {
	InputError
	Base string
}

// staleForm builds the refusal: one message per field, naming the value
// stored now (label gives each field's name and how to show its value).
func staleForm(conflicts []string, current map[string]string, label func(field, value string) (string, string)) *StaleFormError {
	e := &StaleFormError{InputError: InputError{
		Message: "この画面を開いた後に、ほかの操作（ご注文や別の画面での編集）で内容が変わりました。赤字の項目の現在の値を確かめて、もう一度「保存する」を押してください。",
		Fields:  map[string]string{}}, Base: FormBase(current)}
	for _, f := range conflicts {
		name, shown := label(f, current[f])
		e.Fields[f] = "「" + name + "」はこの画面を開いた後に変更されています（現在の値：" + shown + "）。"
	}
	return e
}

// Unwrap lets AsInputError find the messages of a stale form too.
func (e *StaleFormError) Unwrap() error { return &e.InputError }

// AsStaleForm reports whether err is (or wraps) a StaleFormError.
func AsStaleForm(err error) (*StaleFormError, bool) {
	var se *StaleFormError
	ok := errors.As(err, &se)
	return se, ok
}
