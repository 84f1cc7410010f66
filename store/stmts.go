package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxStmts bounds the prepared statements kept per pool. The store's
// queries are a fixed set plus the order search's combinations of filters;
// past the bound a query simply runs unprepared.
const maxStmts = 512

// stmtCache keeps one prepared statement per SQL text of a pool, so SQLite
// parses and plans each query once per connection instead of on every call
// (database/sql prepares a statement again on each connection it meets).
// Without a pool (PostgreSQL, where pgx keeps each connection's prepared
// statements) it keeps nothing.
type stmtCache struct {
	pool  *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

// lookup returns the statement prepared for query, or nil.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stmts[query]
}

// get returns the statement for query, preparing it first; nil when it
// cannot be prepared now (the caller runs the query unprepared, which then
// reports any error in it).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if st := c.lookup(query); st != nil {
		return st
	}
	c.prepare(ctx, []string{query})
	return c.lookup(query)
}

// prepare prepares the queries not prepared yet. It must not run inside a
// transaction of the same pool when the pool has a single connection (the
// writer): it waits for a free connection.
func (c *stmtCache) prepare(ctx context.Context, queries []string) {
	if c.pool == nil {
		return
	}
	for _, q := range queries {
		c.mu.Lock()
		if _, ok := c.stmts[q]; ok || len(c.stmts) >= maxStmts {
			c.mu.Unlock()
			continue
		}
		c.mu.Unlock()
		st, err := c.pool.PrepareContext(ctx, q)
		if err != nil {
			continue // runs unprepared, where its error is reported
		}
		c.mu.Lock()
		if _, ok := c.stmts[q]; ok || len(c.stmts) >= maxStmts {
			st.Close()
		} else {
			if c.stmts == nil {
				c.stmts = map[string]*sql.Stmt{}
			}
			c.stmts[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.stmts {
		errs = append(errs, st.Close())
	}
	c.stmts = nil
	return errors.Join(errs...)
}
