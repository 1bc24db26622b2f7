package models

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// enrolled makes an account with two-factor login and returns it with its TOTP secret.
func enrolled(t *testing.T, s *Store, email string) (*User, string) {
	t.Helper()
	ctx := context.Background()
	u := mkUser(t, s, email, RoleSupervisor)
	en, err := s.StartEnrolment(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(en.Secret, s.now())
	if _, err := s.ConfirmEnrolment(ctx, u, "192.0.2.9", Proof{Password: "correct horse battery"}, code); err != nil {
		t.Fatal(err)
	}
	u, _ = s.UserByID(ctx, u.ID)
	return u, en.Secret
}

// lastAudit is the newest entry of the log, as a want.
func lastAudit(t *testing.T, s *Store) AuditEntry {
	t.Helper()
	es := auditEntries(t, s)
	return es[len(es)-1]
}

// TestFinishLoginLimits: wrong second-factor codes count as failed logins of the account and
// of the address. From maxFailsPerAccount failures of the account, or maxFailsPerAddress of
// the address, within loginWindow, even the right code is refused and the pending login
// ends; a right code clears the account's failures.
func TestFinishLoginLimits(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Now()
	s.Now = func() time.Time { return now }
	u, secret := enrolled(t, s, "sup@example.org")
	const wrong = "aaaa-aaaa-aaaa" // the form of a recovery code, never one of u's
	step := func() string {
		t.Helper()
		now = now.Add(totpPeriod * time.Second) // a new code: each is used once
		code, err := totp.GenerateCode(secret, now)
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	pending := func(ip string) string {
		t.Helper()
		res, err := s.Login(ctx, u.Email, "correct horse battery", ip, "test")
		if err != nil || !res.SecondStep {
			t.Fatalf("password step: %+v %v", res, err)
		}
		return res.Token
	}
	wrongCodes := func(tok, ip string, n int) {
		t.Helper()
		for i := range n {
			if _, _, err := s.FinishLogin(ctx, tok, wrong, ip, "test"); !errors.Is(err, ErrBadCode) {
				t.Fatalf("wrong code %d: %v, want ErrBadCode", i+1, err)
			}
			if e := lastAudit(t, s); e.Action != AuditLogin2FAFail || e.Detail != "code" || e.ObjectID == nil || *e.ObjectID != u.ID {
				t.Fatalf("wrong code %d logged as %s %q", i+1, e.Action, e.Detail)
			}
		}
	}

	// The account: the limit's number of wrong codes, then the right one is refused.
	tok := pending("10.0.0.1")
	wrongCodes(tok, "10.0.0.1", maxFailsPerAccount)
	if _, _, err := s.FinishLogin(ctx, tok, step(), "10.0.0.2", "test"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("right code past the account's limit: %v, want ErrRateLimited", err)
	}
	if e := lastAudit(t, s); e.Action != AuditLogin2FAFail || e.Detail != "rate_limited" {
		t.Errorf("refusal logged as %s %q", e.Action, e.Detail)
	}
	if _, err := s.PendingLogin(ctx, tok); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("the pending login outlived the limit: %v", err)
	}
	if _, err := s.Login(ctx, u.Email, "correct horse battery", "10.0.0.3", "test"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("the password step past the account's limit: %v", err)
	}

	// After the window, the right code opens a session, and clears the failures: the limit's
	// number of wrong codes is again needed to lock the account.
	now = now.Add(loginWindow + time.Second)
	tok = pending("10.0.0.1")
	wrongCodes(tok, "10.0.0.1", maxFailsPerAccount-1)
	got, session, err := s.FinishLogin(ctx, tok, step(), "10.0.0.1", "test")
	if err != nil || got.ID != u.ID || session == "" {
		t.Fatalf("right code one failure short of the limit: %v", err)
	}
	if su, err := s.SessionUser(ctx, session); err != nil || su.ID != u.ID {
		t.Fatalf("the session does not open: %v", err)
	}
	if e := lastAudit(t, s); e.Action != AuditLogin2FAOK || e.Detail != "totp" {
		t.Errorf("success logged as %s %q", e.Action, e.Detail)
	}
	tok = pending("10.0.0.1")
	wrongCodes(tok, "10.0.0.1", maxFailsPerAccount-1)
	if _, _, err := s.FinishLogin(ctx, tok, step(), "10.0.0.1", "test"); err != nil {
		t.Fatalf("the failures before a success still count: %v", err)
	}

	// The address: failures of other accounts from it count too. One short of the limit, a
	// wrong code is a wrong code; at the limit, the right code is refused.
	ip := "192.0.2.7"
	for i := range maxFailsPerAddress - 2 {
		if _, err := s.Authenticate(ctx, fmt.Sprintf("nobody%d@example.org", i), "wrong password!", ip); !errors.Is(err, ErrBadLogin) {
			t.Fatalf("unknown account %d: %v", i, err)
		}
	}
	tok = pending("10.0.0.1")
	wrongCodes(tok, ip, 1) // the address's failures: one short of the limit
	wrongCodes(tok, ip, 1) // at the limit
	if _, _, err := s.FinishLogin(ctx, tok, step(), ip, "test"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("right code from an address at its limit: %v, want ErrRateLimited", err)
	}
}

// TestListAndEndSessions: an account sees its live sessions, most recently used first, with
// the one asking marked, and ends one of them; another account's session is not its to end.
// An admin ends all of an account's sessions.
func TestListAndEndSessions(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	t0 := time.Now()
	now := t0
	s.Now = func() time.Time { return now }
	u := mkUser(t, s, "cw@example.org", RoleCaseworker)
	other := mkUser(t, s, "other@example.org", RoleCaseworker)
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	adm := mkUser(t, s, "adm@example.org", RoleAdminOnly)
	const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	const chrome = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
	login := func(who *User, ip, ua string) string {
		t.Helper()
		res, err := s.Login(ctx, who.Email, "correct horse battery", ip, ua)
		if err != nil {
			t.Fatal(err)
		}
		return res.Token
	}
	list := func(who *User, current string) string {
		t.Helper()
		ss, err := s.ListSessions(ctx, who, current)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, x := range ss {
			if x.ID == "" || x.ID == current {
				t.Fatalf("session id %q: not the hash of the secret", x.ID)
			}
			out += fmt.Sprintf("[%s %s %v]", x.IP, x.Browser, x.Current)
		}
		return out
	}
	a := login(u, "10.0.0.1", firefox)
	now = t0.Add(2 * time.Minute)
	b := login(u, "10.0.0.2", chrome)
	login(other, "10.0.0.3", chrome)
	now = t0.Add(4 * time.Minute)
	if _, err := s.SessionUser(ctx, a); err != nil { // a is used again: now the most recent
		t.Fatal(err)
	}
	if got, want := list(u, b), "[10.0.0.1 Firefox on Linux false][10.0.0.2 Chrome on Android true]"; got != want {
		t.Fatalf("sessions %s, want %s", got, want)
	}
	// Idle past the timeout, b is no longer listed; nor, past the longest age, is either.
	now = t0.Add(2*time.Minute + s.IdleTimeout + time.Second)
	if got, want := list(u, b), "[10.0.0.1 Firefox on Linux false]"; got != want {
		t.Errorf("after b's idle timeout: %s, want %s", got, want)
	}
	old := s.MaxSessionAge
	s.MaxSessionAge = s.IdleTimeout
	if got := list(u, b); got != "" {
		t.Errorf("past the longest age: %s", got)
	}
	s.MaxSessionAge = old
	now = t0.Add(5 * time.Minute)

	ss, _ := s.ListSessions(ctx, u, b)
	idA, idB := ss[0].ID, ss[1].ID
	if err := s.EndOwnSession(ctx, other, idB); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ending another account's session: %v", err)
	}
	if err := s.EndOwnSession(ctx, u, "no such session"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ending no session: %v", err)
	}
	if err := s.EndOwnSession(ctx, u, idA); err != nil {
		t.Fatal(err)
	}
	if e := lastAudit(t, s); e.Action != AuditSessionEnd || e.ActorID == nil || *e.ActorID != u.ID {
		t.Errorf("ending a session logged as %s", e.Action)
	}
	if _, err := s.SessionUser(ctx, a); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("the ended session still opens: %v", err)
	}
	if _, err := s.SessionUser(ctx, b); err != nil {
		t.Fatalf("the other session was ended too: %v", err)
	}

	// An admin ends them all (and only an admin).
	c := login(u, "10.0.0.4", firefox)
	if _, err := s.EndUserSessions(ctx, sup, u.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a supervisor ends sessions: %v", err)
	}
	if _, err := s.EndUserSessions(ctx, adm, 9999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no such account: %v", err)
	}
	for _, want := range []int64{2, 0} {
		n, err := s.EndUserSessions(ctx, adm, u.ID)
		if err != nil || n != want {
			t.Fatalf("ended %d sessions (%v), want %d", n, err, want)
		}
		if e := lastAudit(t, s); e.Action != AuditSessionsEnd || e.Detail != fmt.Sprintf("count=%d", want) || *e.ObjectID != u.ID {
			t.Errorf("ending sessions logged as %s %q", e.Action, e.Detail)
		}
	}
	for _, tok := range []string{b, c} {
		if _, err := s.SessionUser(ctx, tok); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("a session outlived the admin's ending: %v", err)
		}
	}
	if got := list(other, ""); got != "[10.0.0.3 Chrome on Android false]" {
		t.Errorf("another account's sessions: %s", got)
	}
}

// TestPendingLoginAge: a pending login lives pendingLoginAge from the password step, and not
// a moment longer.
func TestPendingLoginAge(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	t0 := time.Now()
	now := t0
	s.Now = func() time.Time { return now }
	u, _ := enrolled(t, s, "sup@example.org")
	res, err := s.Login(ctx, u.Email, "correct horse battery", "10.0.0.1", "test")
	if err != nil || !res.SecondStep {
		t.Fatalf("password step: %+v %v", res, err)
	}
	now = t0.Add(pendingLoginAge)
	if got, err := s.PendingLogin(ctx, res.Token); err != nil || got.ID != u.ID {
		t.Fatalf("at its age: %v", err)
	}
	now = t0.Add(pendingLoginAge + time.Nanosecond)
	if _, err := s.PendingLogin(ctx, res.Token); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("past its age: %v", err)
	}
	now = t0
	if _, err := s.PendingLogin(ctx, res.Token); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("an expired pending login was not ended: %v", err)
	}
}

// TestBrowserNameHalfKnown: a user agent that names only a browser, or only a system, is
// named by what it names.
func TestBrowserNameHalfKnown(t *testing.T) {
	for ua, want := range map[string]string{
		"curl/8.5.0":                       "curl",
		"SomeReader/2.1 (Linux; x86_64)":   "Linux",
		"Mozilla/5.0 (Windows NT 10.0)":    "Windows",
		"Wget/1.21 (no system named here)": "",
	} {
		if got := browserName(ua); got != want {
			t.Errorf("%q: %q, want %q", ua, got, want)
		}
	}
}
