package views

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// The form parts an order page repeats most are written here in Go rather
// than in templ: templ passes every `{ }` through fmt.Sprint (two
// allocations each), and these parts were most of an order page's
// allocations (issue 15). Each writes the HTML its templ form wrote, every
// value through templ.EscapeString.

// prefectureOptions writes the <option>s of a prefecture <select>, the one
// equal to selected marked (an order page has two such selects of 47).
func prefectureOptions(prefectures []string, selected string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for _, p := range prefectures {
			name, sel := templ.EscapeString(p), ""
			if p == selected {
				sel = " selected"
			}
			if err := writeAll(w, `<option value="`, name, `"`, sel, `>`, name, `</option>`); err != nil {
				return err
			}
		}
		return nil
	})
}

// textField writes one labelled text input of a form: its label (必須 when
// required), the input typed as typ with its value and autocomplete token,
// marked aria-invalid when errs has a message for name, and that message.
func textField(errs map[string]string, name, label, value, typ, autocomplete string, required bool) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		id := templ.EscapeString(name)
		req, attrs := "", ""
		if required {
			req, attrs = `<span class="req">必須</span>`, " required"
		}
		if errs[name] != "" {
			attrs += " aria-invalid"
		}
		if err := writeAll(w, `<div class="field"><label for="`, id, `">`, templ.EscapeString(label), " ", req,
			`</label> <input id="`, id, `" name="`, id, `" type="`, templ.EscapeString(typ),
			`" value="`, templ.EscapeString(value), `" autocomplete="`, templ.EscapeString(autocomplete), `"`, attrs,
			` aria-describedby="err-`, id, `">`); err != nil {
			return err
		}
		if _, ok := errs[name]; ok {
			if err := fieldError(errs, name).Render(ctx, w); err != nil {
				return err
			}
		}
		return writeAll(w, `</div>`)
	})
}

// writeAll writes each string in turn.
func writeAll(w io.Writer, parts ...string) error {
	for _, s := range parts {
		if _, err := io.WriteString(w, s); err != nil {
			return err
		}
	}
	return nil
}
