package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMetricsCountLoginAndForward(t *testing.T) {
	tp := newTestProxy(t, nil)
	metrics := NewMetrics()
	tp.server.UseMetrics(metrics)

	cookies, token := tp.signIn(t)
	req := httptest.NewRequest("GET", "http://localhost/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.AddCookie(cookies[0])
	tp.do(req)
	<-tp.upstreamRequests

	w := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(w.Result().Body)
	if w.Code != http.StatusOK {
		t.Fatalf("metrics status = %d", w.Code)
	}
	for _, want := range []string{
		`authproxy_logins_total{provider="keycloak",result="success"} 1`,
		`authproxy_forwarded_requests_total{code="200",session="true"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(string(body), "user-api-key") {
		t.Error("metrics contain the user's API key")
	}
}
