// Command mutants checks that the tests catch deliberate bugs on the money
// paths. Each mutant of the list (mutants.txt at the top of the repository)
// replaces one piece of code; mutants applies it in a temporary copy of the
// tree, runs the tests the mutant names, puts the code back, and prints per
// mutant whether a test failed (caught) or every test passed (survived).
// Run it with
//
//	make mutants
//
// It first runs each named test set on the unchanged copy, so a failing
// suite cannot pass for a caught mutant. It exits 1 when a mutant survived,
// did not build, or no longer applies (its old text is not in its file
// exactly once: update the list with the code).
//
// The list is blocks of "key: value" lines separated by blank lines; lines
// starting with # are comments:
//
//	name: tax per rate rounded half up instead of down
//	file: shop/pricing.go
//	old:  return amount * int64(rate) / int64(100+rate)
//	new:  return (2*amount*int64(rate) + int64(100+rate)) / (2 * int64(100+rate))
//	test: ./shop ./handlers
//	run:  Tax|Quote
//
// old must occur exactly once in file; a key given on several lines joins
// them with newlines (for a bug over several lines); new may be empty (the
// code is deleted). test names the packages whose tests run; run, optional,
// is go test's -run pattern for them.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

func main() {
	list := flag.String("list", "mutants.txt", "the list of mutants")
	root := flag.String("root", ".", "the repository to copy")
	only := flag.String("only", "", "run only the mutants whose name matches this regular expression")
	timeout := flag.Duration("timeout", 10*time.Minute, "go test -timeout for each run")
	verbose := flag.Bool("v", false, "print the test output of every mutant that was not caught")
	flag.Parse()
	err := run(context.Background(), options{list: *list, root: *root, only: *only, timeout: *timeout, verbose: *verbose}, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutants:", err)
		os.Exit(1)
	}
}

// Mutant is one deliberate bug.
type Mutant struct {
	Name     string
	File     string // slash-separated, relative to the repository
	Old, New string
	Packages []string // go test package patterns
	Run      string   // go test -run pattern; empty runs every test
	Line     int      // where its block starts in the list
}

// ParseList reads a list of mutants (see the package documentation).
func ParseList(r io.Reader) ([]Mutant, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var out []Mutant
	var cur *Mutant
	seen := map[string]bool{}
	finish := func() error {
		if cur == nil {
			return nil
		}
		m := *cur
		cur = nil
		switch {
		case m.Name == "" || m.File == "" || m.Old == "" || len(m.Packages) == 0:
			return fmt.Errorf("line %d: a mutant needs name, file, old and test", m.Line)
		case m.Old == m.New:
			return fmt.Errorf("line %d: %s: new is the same as old", m.Line, m.Name)
		case seen[m.Name]:
			return fmt.Errorf("line %d: %s: the name is used twice", m.Line, m.Name)
		}
		if m.Run != "" {
			if _, err := regexp.Compile(m.Run); err != nil {
				return fmt.Errorf("line %d: %s: run: %v", m.Line, m.Name, err)
			}
		}
		seen[m.Name] = true
		out = append(out, m)
		return nil
	}
	join := func(dst *string, v string, first bool) {
		if first {
			*dst = v
		} else {
			*dst += "\n" + v
		}
	}
	lastKey := ""
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			if err := finish(); err != nil {
				return nil, err
			}
			lastKey = ""
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("line %d: want key: value, got %q", i+1, line)
		}
		// Go indents with tabs: spaces around a value only align the list.
		value = strings.TrimRight(strings.TrimLeft(value, " "), " \t")
		if cur == nil {
			cur = &Mutant{Line: i + 1}
		}
		again := key == lastKey
		switch key {
		case "name":
			cur.Name = strings.TrimSpace(value)
		case "file":
			cur.File = strings.TrimSpace(value)
		case "old":
			join(&cur.Old, value, !again)
		case "new":
			join(&cur.New, value, !again)
		case "test":
			cur.Packages = append(cur.Packages, strings.Fields(value)...)
		case "run":
			cur.Run = strings.TrimSpace(value)
		default:
			return nil, fmt.Errorf("line %d: unknown key %q", i+1, key)
		}
		lastKey = key
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return out, nil
}

// Apply returns src with the mutant's old text replaced by its new text; an
// error when old is not in src exactly once.
func (m Mutant) Apply(src []byte) ([]byte, error) {
	if n := bytes.Count(src, []byte(m.Old)); n != 1 {
		return nil, fmt.Errorf("%s: old text found %d times in %s, want once: update the list", m.Name, n, m.File)
	}
	return bytes.Replace(src, []byte(m.Old), []byte(m.New), 1), nil
}

type options struct {
	list, root, only string
	timeout          time.Duration
	verbose          bool
}

// Outcomes of a mutant.
const (
	caught   = "caught"
	survived = "survived"
	broken   = "no-build" // the mutated code did not compile or vet
)

func run(ctx context.Context, o options, out io.Writer) error {
	f, err := os.Open(o.list)
	if err != nil {
		return err
	}
	mutants, err := ParseList(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", o.list, err)
	}
	if o.only != "" {
		re, err := regexp.Compile(o.only)
		if err != nil {
			return err
		}
		mutants = slices.DeleteFunc(mutants, func(m Mutant) bool { return !re.MatchString(m.Name) })
	}
	if len(mutants) == 0 {
		return errors.New("no mutants to run")
	}
	// Every mutant must apply before anything runs.
	for _, m := range mutants {
		src, err := os.ReadFile(filepath.Join(o.root, filepath.FromSlash(m.File)))
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		if _, err := m.Apply(src); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp("", "kago-mutants-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := copyTree(ctx, o.root, tmp); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d mutants, tree copied to %s\n", len(mutants), tmp)

	// The unchanged tree passes each test set once.
	done := map[string]bool{}
	for _, m := range mutants {
		key := strings.Join(m.Packages, " ") + " -run " + m.Run
		if done[key] {
			continue
		}
		done[key] = true
		start := time.Now()
		res := goTest(ctx, tmp, m, o.timeout)
		if res.outcome != survived {
			fmt.Fprintln(out, res.output)
			return fmt.Errorf("the unchanged tree fails go test %s: fix the tests first", key)
		}
		fmt.Fprintf(out, "baseline ok  go test %s (%s)\n", key, time.Since(start).Round(time.Second))
	}

	failed := 0
	for _, m := range mutants {
		path := filepath.Join(tmp, filepath.FromSlash(m.File))
		orig, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		mutated, err := m.Apply(orig)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, mutated, 0o644); err != nil {
			return err
		}
		start := time.Now()
		res := goTest(ctx, tmp, m, o.timeout)
		if err := os.WriteFile(path, orig, 0o644); err != nil {
			return err
		}
		detail := strings.Join(res.failing, " ")
		if res.outcome != caught {
			failed++
			detail = "go test " + strings.Join(m.Packages, " ")
			if m.Run != "" {
				detail += " -run '" + m.Run + "'"
			}
		}
		fmt.Fprintf(out, "%-8s  %-58s  %s  (%s)  %s\n", res.outcome, m.Name, m.File, time.Since(start).Round(time.Second), detail)
		if res.outcome != caught && o.verbose {
			fmt.Fprintln(out, res.output)
		}
	}
	fmt.Fprintf(out, "%d of %d mutants caught\n", len(mutants)-failed, len(mutants))
	if failed > 0 {
		return fmt.Errorf("%d mutants not caught", failed)
	}
	return nil
}

type testResult struct {
	outcome string
	failing []string // top-level tests that failed
	output  string
}

var (
	failLine  = regexp.MustCompile(`(?m)^--- FAIL: (\S+)`)
	buildFail = regexp.MustCompile(`(?m)^FAIL\s+\S+ \[(build|setup) failed\]|^vet: `)
)

func goTest(ctx context.Context, dir string, m Mutant, timeout time.Duration) testResult {
	args := []string{"test", "-count=1", "-timeout", timeout.String()}
	if m.Run != "" {
		args = append(args, "-run", m.Run)
	}
	args = append(args, m.Packages...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	res := testResult{output: buf.String()}
	switch {
	case err == nil:
		res.outcome = survived
	case buildFail.MatchString(res.output):
		res.outcome = broken
	default:
		res.outcome = caught
		for _, f := range failLine.FindAllStringSubmatch(res.output, -1) {
			if !slices.Contains(res.failing, f[1]) {
				res.failing = append(res.failing, f[1])
			}
		}
		if len(res.failing) == 0 {
			res.failing = []string{"(go test failed: " + lastLine(res.output) + ")"}
		}
	}
	return res
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// copyTree copies the files git knows of (tracked, and untracked ones not
// ignored) from root to dst, and links the node_modules directories the
// interop tests need.
func copyTree(ctx context.Context, root, dst string) error {
	cmd := exec.CommandContext(ctx, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	names, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("git ls-files: %w", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(names), "\x00"), "\x00") {
		src := filepath.Join(root, filepath.FromSlash(name))
		info, err := os.Lstat(src)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree
		}
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(to, b, info.Mode().Perm()); err != nil {
			return err
		}
	}
	modules, err := filepath.Glob(filepath.Join(root, "*", "node_modules"))
	if err != nil {
		return err
	}
	for _, m := range modules {
		abs, err := filepath.Abs(m)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, m)
		if err := os.Symlink(abs, filepath.Join(dst, rel)); err != nil {
			return err
		}
	}
	return nil
}
