//go:build pprof

// Built with -tags pprof, atrium serves Go's profiler on the loopback
// address in ATRIUM_PPROF_ADDR (e.g. 127.0.0.1:6060), for measuring the
// server under load (docs/benchmarks.md). Release builds leave it out, so
// no profiling endpoint can ever be exposed by configuration alone.
package main

import (
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("ATRIUM_PPROF_ADDR")
	if addr == "" {
		return
	}
	if host, _, err := net.SplitHostPort(addr); err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("ATRIUM_PPROF_ADDR must be a loopback host:port, not %q", addr)
	}
	go func() { log.Println(http.ListenAndServe(addr, nil)) }()
}
