package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

const (
	// concurrentProxies is the number of authproxy processes that share
	// one configuration and one set of cookie secrets, like replicas
	// behind a load balancer.
	concurrentProxies = 3
	// concurrentSignIns is the number of sign-ins started at once, each on
	// a goroutine of its own.
	concurrentSignIns = 50
	// signInBurstTimeout bounds all sign-ins of one burst. argilla-server
	// 2.8.0 hashes the password of each new user, and 50 new users took 21
	// to 27 s in this test on a 2-core machine (27 s under scripts/test,
	// with Keycloak running beside it).
	signInBurstTimeout = 3 * time.Minute
)

// TestConcurrentFirstSignInsThreeProxies starts three authproxy processes
// with the same cookie secrets and signs in 50 times at once over them,
// with a Go HTTP client per sign-in. First one new login signs in 50 times,
// and every sign-in must receive the same single account. Then 50 new
// logins sign in, and each must receive an account of its own.
func TestConcurrentFirstSignInsThreeProxies(t *testing.T) {
	s := loadStack(t)
	env := defaultProxyEnv(t, s)
	proxies := make([]*proxyProcess, concurrentProxies)
	for i := range proxies {
		proxies[i] = startProxy(t, env)
	}
	owner := newArgillaOwner(s)
	transport := &http.Transport{
		Proxy:               nil,
		MaxIdleConnsPerHost: concurrentSignIns,
		IdleConnTimeout:     30 * time.Second,
	}
	t.Cleanup(transport.CloseIdleConnections)

	t.Run("same new login", func(t *testing.T) {
		login := uniqueLogin(t, "erin")
		logins := make([]string, concurrentSignIns)
		for i := range logins {
			logins[i] = login
		}

		signIns := runSignIns(t, transport, proxies, s.Issuer, logins)

		users := owner.usersNamed(t, login)
		t.Logf("Argilla has %d users named %q after %d simultaneous sign-ins", len(users), login, concurrentSignIns)
		if len(users) != 1 {
			t.Fatalf("Argilla has %d users with username %q after %d simultaneous first sign-ins, expected 1",
				len(users), login, concurrentSignIns)
		}
		user := users[0]
		if user.LastName != nil && *user.LastName != "" {
			t.Errorf("user %q has last name %q, expected none once provisioning finished", login, *user.LastName)
		}
		checkAllowedWorkspaces(t, owner, user)
		for _, signIn := range signIns {
			checkMe(t, signIn, user)
		}
	})

	t.Run("distinct new logins", func(t *testing.T) {
		prefix := uniqueLogin(t, "crowd")
		logins := make([]string, concurrentSignIns)
		for i := range logins {
			logins[i] = fmt.Sprintf("%s-%02d", prefix, i)
		}

		signIns := runSignIns(t, transport, proxies, s.Issuer, logins)

		usersByName := map[string][]argillaUser{}
		for _, user := range owner.users(t) {
			usersByName[user.Username] = append(usersByName[user.Username], user)
		}
		ids := map[string]bool{}
		for _, login := range logins {
			if len(usersByName[login]) == 1 {
				ids[usersByName[login][0].ID] = true
			}
		}
		t.Logf("Argilla has %d distinct users for the %d logins", len(ids), len(logins))
		if len(ids) != len(logins) {
			t.Errorf("Argilla has %d distinct users for %d new logins signed in at once, expected %d",
				len(ids), len(logins), len(logins))
		}
		for _, login := range logins {
			users := usersByName[login]
			if len(users) != 1 {
				t.Errorf("Argilla has %d users with username %q, expected 1", len(users), login)
				continue
			}
			checkAllowedWorkspaces(t, owner, users[0])
		}
		for _, signIn := range signIns {
			if users := usersByName[signIn.login]; len(users) == 1 {
				checkMe(t, signIn, users[0])
			}
		}
	})
}

// runSignIns starts one signInWithHTTP per login at the same moment,
// sign-in i at proxies[i%len(proxies)], and waits for all of them. It
// reports each failed sign-in as a test error, logs the wall time and
// returns the sign-ins that succeeded.
func runSignIns(t *testing.T, transport http.RoundTripper, proxies []*proxyProcess, issuer string, logins []string) []httpSignIn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), signInBurstTimeout)
	defer cancel()

	results := make([]httpSignIn, len(logins))
	errs := make([]error, len(logins))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, login := range logins {
		proxy := proxies[i%len(proxies)]
		wg.Go(func() {
			<-start
			results[i], errs[i] = signInWithHTTP(ctx, transport, proxy.DirectURL, issuer, login)
		})
	}
	started := time.Now()
	close(start)
	wg.Wait()
	wall := time.Since(started)

	var succeeded []httpSignIn
	var durations []time.Duration
	for i, err := range errs {
		if err != nil {
			t.Errorf("sign-in %d of %q through %s failed: %v", i, logins[i], results[i].proxyURL, err)
			continue
		}
		succeeded = append(succeeded, results[i])
		durations = append(durations, results[i].duration)
	}
	slices.Sort(durations)
	if len(durations) > 0 {
		t.Logf("%d of %d simultaneous sign-ins over %d proxies succeeded in %s wall time; per sign-in median %s, max %s",
			len(succeeded), len(logins), len(proxies), wall.Round(time.Millisecond),
			durations[len(durations)/2].Round(time.Millisecond), durations[len(durations)-1].Round(time.Millisecond))
	} else {
		t.Logf("none of %d simultaneous sign-ins succeeded; wall time %s", len(logins), wall.Round(time.Millisecond))
	}
	return succeeded
}

// checkMe checks that GET /api/v1/me through the proxy of the sign-in, with
// its token and session cookie, returns user.
func checkMe(t *testing.T, signIn httpSignIn, user argillaUser) {
	t.Helper()
	status, body := callMe(t, signIn.proxyURL, signIn.token, signIn.cookieHeader)
	if status != http.StatusOK {
		t.Errorf("GET /api/v1/me through %s after the sign-in of %q returned status %d, expected 200; body %s",
			signIn.proxyURL, signIn.login, status, body)
		return
	}
	me := decodeUser(t, body)
	if me.ID != user.ID {
		t.Errorf("GET /api/v1/me through %s after the sign-in of %q returned user id %q, expected %q",
			signIn.proxyURL, signIn.login, me.ID, user.ID)
	}
	if me.Username != signIn.login {
		t.Errorf("GET /api/v1/me through %s after the sign-in of %q returned username %q, expected %q",
			signIn.proxyURL, signIn.login, me.Username, signIn.login)
	}
}

// checkAllowedWorkspaces checks that user is a member of every workspace
// of allowedWorkspaces.
func checkAllowedWorkspaces(t *testing.T, owner *argillaOwner, user argillaUser) {
	t.Helper()
	workspaces := owner.userWorkspaceNames(t, user.ID)
	for _, name := range allowedWorkspaces {
		if !slices.Contains(workspaces, name) {
			t.Errorf("user %q is a member of %v, expected membership of the allowed workspace %q", user.Username, workspaces, name)
		}
	}
}
