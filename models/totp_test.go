package models

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TestCheckTOTP: the codes of the step before, the current step and the step after are
// accepted, older and newer ones are not, and no step at or before the last used one is.
func TestCheckTOTP(t *testing.T) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "himoya", AccountName: "a@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	secret := key.Secret()
	now := time.Unix(1_700_000_015, 0) // in the middle of a step
	cur := now.Unix() / totpPeriod
	codeAt := func(step int64) string {
		c, err := totp.GenerateCode(secret, time.Unix(step*totpPeriod, 0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		step, last int64
		ok         bool
	}{
		{cur, 0, true}, {cur - 1, 0, true}, {cur + 1, 0, true}, {cur - 2, 0, false}, {cur + 2, 0, false},
		{cur, cur, false}, {cur - 1, cur, false}, {cur + 1, cur, true}, {cur, cur - 1, true},
	} {
		step, ok := checkTOTP(secret, codeAt(tc.step), now, tc.last)
		if ok != tc.ok || (ok && step != tc.step) {
			t.Errorf("code of step %+d, last used %+d: %v (step %+d), want %v", tc.step-cur, tc.last-cur, ok, step-cur, tc.ok)
		}
	}
	if _, ok := checkTOTP(secret, "12345", now, 0); ok {
		t.Error("a five-digit code was accepted")
	}
}

// TestTwoFactorLoginInModels: enrolment, the two steps of a login, a pending login that
// opens nothing and expires, and recovery codes used once.
func TestTwoFactorLoginInModels(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Now()
	s.Now = func() time.Time { return now }
	u := mkUser(t, s, "sup@example.org", RoleSupervisor)
	if !s.MustEnrolTwoFactor(u) {
		t.Fatal("a supervisor without two-factor login need not enrol")
	}
	res, err := s.Login(ctx, "sup@example.org", "correct horse battery", "10.0.0.1", "test")
	if err != nil || res.SecondStep || !res.MustEnrol {
		t.Fatalf("login before enrolment: %+v %v", res, err)
	}
	en, err := s.StartEnrolment(ctx, u)
	if err != nil || en.Enabled || !strings.HasPrefix(en.OTPAuthURL, "otpauth://totp/") ||
		!strings.Contains(en.OTPAuthURL, "secret="+en.Secret) {
		t.Fatalf("enrolment: %v", err)
	}
	code, _ := totp.GenerateCode(en.Secret, now)
	codes, err := s.ConfirmEnrolment(ctx, u, "10.0.0.1", Proof{Password: "correct horse battery"}, code)
	if err != nil || len(codes) != recoveryCodeCount {
		t.Fatalf("confirming: %d codes, %v", len(codes), err)
	}
	if s.MustEnrolTwoFactor(u) {
		t.Fatal("still must enrol after enrolling")
	}
	for _, c := range codes {
		if !regexp.MustCompile(`^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$`).MatchString(c) {
			t.Fatalf("recovery code %q", c)
		}
	}

	res, err = s.Login(ctx, "sup@example.org", "correct horse battery", "10.0.0.1", "test")
	if err != nil || !res.SecondStep {
		t.Fatalf("login after enrolment: %+v %v", res, err)
	}
	if _, err := s.SessionUser(ctx, res.Token); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("a pending login opened a session: %v", err)
	}
	if _, _, err := s.FinishLogin(ctx, res.Token, code, "10.0.0.1", "test"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("the enrolment's code again: %v", err)
	}
	now = now.Add(totpPeriod * time.Second)
	next, _ := totp.GenerateCode(en.Secret, now)
	got, tok, err := s.FinishLogin(ctx, res.Token, next, "10.0.0.1", "test")
	if err != nil || got.ID != u.ID || tok == "" || tok == res.Token {
		t.Fatalf("second step: %v", err)
	}
	if su, err := s.SessionUser(ctx, tok); err != nil || su.ID != u.ID {
		t.Fatalf("session after the second step: %v", err)
	}
	if _, err := s.PendingLogin(ctx, res.Token); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("the pending login outlived the second step: %v", err)
	}

	// A pending login expires.
	res, _ = s.Login(ctx, "sup@example.org", "correct horse battery", "10.0.0.1", "test")
	now = now.Add(pendingLoginAge + time.Second)
	if _, _, err := s.FinishLogin(ctx, res.Token, codes[0], "10.0.0.1", "test"); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("expired pending login: %v", err)
	}
	// A recovery code works once, typed in any case with or without dashes.
	res, _ = s.Login(ctx, "sup@example.org", "correct horse battery", "10.0.0.1", "test")
	if _, _, err := s.FinishLogin(ctx, res.Token, strings.ToUpper(strings.ReplaceAll(codes[0], "-", " ")), "10.0.0.1", "test"); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	res, _ = s.Login(ctx, "sup@example.org", "correct horse battery", "10.0.0.1", "test")
	if _, _, err := s.FinishLogin(ctx, res.Token, codes[0], "10.0.0.1", "test"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("recovery code twice: %v", err)
	}
	// Replacing the authenticator gives new recovery codes; the old ones stop working.
	en, _ = s.StartEnrolment(ctx, u)
	code, _ = totp.GenerateCode(en.Secret, now)
	if _, err := s.ConfirmEnrolment(ctx, u, "10.0.0.1", Proof{Password: "correct horse battery", Code: codes[2]}, code); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.FinishLogin(ctx, res.Token, codes[1], "10.0.0.1", "test"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("an old recovery code after re-enrolment: %v", err)
	}
}

// TestTwoFactorRequired: by default supervisors and admins must use it, caseworkers may.
func TestTwoFactorRequired(t *testing.T) {
	s := &Store{}
	for _, tc := range []struct {
		from Role
		u    User
		want bool
	}{
		{"", User{Role: RoleCaseworker}, false},
		{"", User{Role: RoleSupervisor}, true},
		{"", User{Role: RoleAdmin}, true},
		{RoleCaseworker, User{Role: RoleCaseworker}, true},
		{RoleAdmin, User{Role: RoleSupervisor}, false},
		{RoleAdmin, User{Role: RoleAdmin}, true},
		{"none", User{Role: RoleAdmin}, false},
	} {
		s.TwoFactorFrom = tc.from
		if got := s.TwoFactorRequired(&tc.u); got != tc.want {
			t.Errorf("from %q, %s: %v", tc.from, tc.u.Role, got)
		}
	}
}

func TestCommonPasswordList(t *testing.T) {
	n := strings.Count(commonPasswordsText, "\n")
	if n < 10000 {
		t.Fatalf("%d common passwords, want at least 10,000", n)
	}
	for pw, want := range map[string]bool{
		"password1234": true, "QWERTYUIOP123": true, " 1q2w3e4r5t6y ": true,
		"correct horse battery": false, "a river of slow tea": false,
	} {
		if IsCommonPassword(pw) != want {
			t.Errorf("%q: %v", pw, !want)
		}
	}
}

func TestBrowserName(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0":                                              "Firefox on Linux",
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36":            "Chrome on Android",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari": "Safari on iPhone",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126": "Edge on Windows",
		"": "",
	} {
		if got := browserName(ua); got != want {
			t.Errorf("%q: %q, want %q", ua, got, want)
		}
	}
}
