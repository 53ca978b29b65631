// Command upstream is a minimal HTTP server that replaces Argilla in
// load tests. It returns a small JSON body at once, so that a benchmark
// measures the proxy and not the upstream.
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (loopback only)")
	flag.Parse()

	body := []byte(`{"id":"00000000-0000-0000-0000-000000000000","username":"bench","role":"annotator"}`)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, handler))
}
