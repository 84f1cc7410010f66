package static_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"kago/static"
)

// Every stylesheet closes what it opens: one unclosed @media block turns
// the rest of the file into phone-only rules (the desktop then loses them
// unseen).
func TestStylesheetsBalanced(t *testing.T) {
	comments := regexp.MustCompile(`(?s)/\*.*?\*/`)
	for _, name := range []string{"kago.css", "documents.css"} {
		b, err := fs.ReadFile(static.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		css := comments.ReplaceAllString(string(b), "")
		if depth := strings.Count(css, "{") - strings.Count(css, "}"); depth != 0 {
			t.Errorf("%s: %d blocks left open", name, depth)
		}
	}
}
