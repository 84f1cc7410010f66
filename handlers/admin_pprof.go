package handlers

import (
	"net/http"
	"net/http/pprof"

	"github.com/labstack/echo/v4"
)

// pprofHandler serves Go's profiles (net/http/pprof: CPU, heap, goroutines,
// trace) at /admin/debug/pprof/. routes.go mounts it behind the admin's
// sign-in, and only when kago runs with -pprof (off by default).
func pprofHandler() echo.HandlerFunc {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // the index and every named profile
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return echo.WrapHandler(http.StripPrefix("/admin", mux))
}
