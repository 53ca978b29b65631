// Command mint prints a session cookie and the matching UI token for load
// tests, made with the cookie secret in AUTHPROXY_COOKIE_SECRETS exactly as
// a sign-in would make them.
package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/argilla-authproxy/authproxy/internal/session"
)

func main() {
	secret, err := base64.StdEncoding.DecodeString(strings.Split(os.Getenv("AUTHPROXY_COOKIE_SECRETS"), ",")[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "mint: AUTHPROXY_COOKIE_SECRETS must hold a base64 secret:", err)
		os.Exit(2)
	}
	keys, err := session.NewKeys([][]byte{secret}, time.Hour, time.Minute)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mint:", err)
		os.Exit(2)
	}
	now := time.Now()
	s := session.Session{
		ID: session.NewID(), Provider: "keycloak", Subject: "bench", UserID: "bench",
		Username: "bench", APIKey: "bench-api-key", Issued: now, Expires: now.Add(time.Hour),
	}
	cookie, err := keys.EncodeSession(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mint:", err)
		os.Exit(1)
	}
	fmt.Printf("%s=%s\n%s\n", session.CookieName, cookie, keys.Token(s))
}
