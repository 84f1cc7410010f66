// Package static holds the CSS, scripts and demo pictures, embedded in the
// binary and served at URLs that carry a content hash.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sync"
)

// FS is served under Prefix.
//
//go:embed *.css *.js *.svg demo
var FS embed.FS

// Prefix is where FS is served.
const Prefix = "/static/"

var (
	urlsOnce sync.Once
	urls     map[string]string // name in FS → its versioned URL, made once: pages ask for several per view
)

// URL is the versioned URL of a file in FS: it changes when the file does, so
// browsers may cache it for a year.
func URL(name string) string {
	urlsOnce.Do(func() {
		urls = map[string]string{}
		_ = fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := FS.ReadFile(path)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			urls[path] = Prefix + path + "?v=" + hex.EncodeToString(sum[:6])
			return nil
		})
	})
	if u, ok := urls[name]; ok {
		return u
	}
	return Prefix + name + "?v="
}
