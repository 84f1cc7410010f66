// Package model holds Kago's domain types and their state names, defined
// once (DESIGN.md, "Where the layout goes next"): plain structs shared by
// store, shop and views. It imports nothing of ours. New domain types go
// here; older ones (store.Order, store.Address) move here as they are touched.
package model
