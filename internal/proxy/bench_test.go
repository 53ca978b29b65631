package proxy

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkForwardSignedIn measures one signed-in request through the
// proxy: cookie decryption, token check, header rewriting and the reverse
// proxy, against an upstream on loopback that returns a small body.
func BenchmarkForwardSignedIn(b *testing.B) {
	tp := newTestProxy(b, nil)
	cookies, token := tp.signIn(b)
	go func() {
		for range tp.upstreamRequests {
		}
	}()

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", "http://localhost/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.AddCookie(cookies[0])
		w := httptest.NewRecorder()
		tp.server.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status = %d", w.Code)
		}
	}
}

// BenchmarkForwardAnonymous is the same request without a session: the
// difference to BenchmarkForwardSignedIn is the cost of the session.
func BenchmarkForwardAnonymous(b *testing.B) {
	tp := newTestProxy(b, nil)
	go func() {
		for range tp.upstreamRequests {
		}
	}()

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", "http://localhost/api/v1/me", nil)
		req.Header.Set("X-Argilla-Api-Key", "sdk-key")
		w := httptest.NewRecorder()
		tp.server.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status = %d", w.Code)
		}
	}
}
