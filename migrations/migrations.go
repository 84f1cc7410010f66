// Package migrations holds the numbered SQL files that build the database,
// embedded so the binary carries its own schema.
package migrations

import "embed"

// FS is applied in file-name order by store.Open.
//
//go:embed *.sql
var FS embed.FS
