package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	ms, err := ParseList(strings.NewReader(`# a comment

name: first
file: a/b.go
old:  x := 1
new:  x := 2
test: ./a ./b
run:  TestA|TestB

# lines of old and new join
name: second
file: a/c.go
old: if a {
old: 	return
new:
test: ./a
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("%d mutants", len(ms))
	}
	m := ms[0]
	if m.Name != "first" || m.File != "a/b.go" || m.Old != "x := 1" || m.New != "x := 2" || strings.Join(m.Packages, " ") != "./a ./b" || m.Run != "TestA|TestB" || m.Line != 3 {
		t.Fatalf("%+v", m)
	}
	if m := ms[1]; m.Old != "if a {\n\treturn" || m.New != "" || m.Run != "" {
		t.Fatalf("%+v", m)
	}
	src := []byte("if a {\n\treturn\n}\n")
	if got, err := ms[1].Apply(src); err != nil || string(got) != "\n}\n" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := ms[0].Apply(src); err == nil {
		t.Fatal("a mutant applied to code without its old text")
	}
	if _, err := ms[0].Apply([]byte("x := 1\nx := 1\n")); err == nil {
		t.Fatal("a mutant applied to code with its old text twice")
	}
	for _, bad := range []string{
		"name: a\nfile: f\nold: x\ntest: ./a\nnew: x\n",                                        // no change
		"name: a\nfile: f\nold: x\nnew: y\n",                                                   // no test
		"name: a\nfile: f\nold: x\nnew: y\ntest: ./a\n\nname: a\nfile: f\nold: z\ntest: ./a\n", // name twice
		"name: a\nfile: f\nold: x\nnew: y\ntest: ./a\nrun: (\n",                                // bad pattern
		"name: a\nfile: f\nold: x\nnew: y\ntest: ./a\nwhat: ever\n",                            // unknown key
	} {
		if _, err := ParseList(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted:\n%s", bad)
		}
	}
}

// TestListApplies: every mutant of the repository's list still applies to
// the code (its old text is in its file once) and names packages that
// exist, so `make mutants` can run; whether the tests catch them is what
// `make mutants` itself checks.
func TestListApplies(t *testing.T) {
	root := filepath.Join("..", "..")
	f, err := os.Open(filepath.Join(root, "mutants.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ms, err := ParseList(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 10 {
		t.Fatalf("%d mutants in the list", len(ms))
	}
	for _, m := range ms {
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m.File)))
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		if _, err := m.Apply(src); err != nil {
			t.Error(err)
		}
		for _, p := range m.Packages {
			if info, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err != nil || !info.IsDir() || !strings.HasPrefix(p, "./") {
				t.Errorf("%s: test package %q is not a directory of the repository", m.Name, p)
			}
		}
	}
}
