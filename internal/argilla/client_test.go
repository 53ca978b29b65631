package argilla

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestErrorDetail(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"string detail", `{"detail":"OAuth Provider 'x' not found"}`, "OAuth Provider 'x' not found"},
		{"structured detail",
			`{"detail":{"code":"argilla.api.errors::UnauthorizedError","params":{"detail":"Could not validate credentials"}}}`,
			"argilla.api.errors::UnauthorizedError: Could not validate credentials"},
		{"server error with SQL",
			`{"detail":{"code":"argilla.api.errors::GenericServerError","params":{"type":"sqlalchemy.exc.IntegrityError",` +
				`"message":"(sqlite3.IntegrityError) UNIQUE constraint failed: users.username\n[SQL: INSERT INTO users ` +
				`(api_key) VALUES (?)]\n[parameters: ('secret-api-key',)]"}}}`,
			"argilla.api.errors::GenericServerError: (sqlite3.IntegrityError) UNIQUE constraint failed: users.username"},
		{"not JSON", "<html>Bad Gateway</html>\nmore", "<html>Bad Gateway</html>"},
		{"long", `{"detail":"` + strings.Repeat("x", 400) + `"}`, strings.Repeat("x", 300) + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorDetail([]byte(tt.body)); got != tt.want {
				t.Errorf("errorDetail = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUserFormatHidesAPIKey(t *testing.T) {
	u := &User{ID: "id-1", Username: "alice", Role: "annotator", APIKey: "secret-api-key"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("test", slog.Any("user", u))
	outputs := map[string]string{
		"%v":  fmt.Sprintf("%v", u),
		"%+v": fmt.Sprintf("%+v", u),
		"log": logs.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, "secret-api-key") {
			t.Errorf("%s output contains the API key: %s", name, out)
		}
		if !strings.Contains(out, "alice") {
			t.Errorf("%s output lacks the username: %s", name, out)
		}
	}
}
