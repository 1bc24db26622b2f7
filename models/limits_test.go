package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// enrolTOTP turns two-factor login on for u and returns its secret and recovery codes.
func enrolTOTP(t *testing.T, s *Store, u *User) (string, []string) {
	t.Helper()
	ctx := context.Background()
	en, err := s.StartEnrolment(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(en.Secret, s.now())
	if err != nil {
		t.Fatal(err)
	}
	codes, err := s.ConfirmEnrolment(ctx, u, "192.0.2.1", Proof{Password: "correct horse battery"}, code)
	if err != nil {
		t.Fatal(err)
	}
	return en.Secret, codes
}

// wrongCode is a six-digit code that matches none of the steps checkTOTP accepts at now.
func wrongCode(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	taken := map[string]bool{}
	for d := -totpSkew; d <= totpSkew; d++ {
		c, err := totp.GenerateCode(secret, now.Add(time.Duration(d*totpPeriod)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		taken[c] = true
	}
	for n := 100000; ; n++ {
		if c := strconv.Itoa(n); !taken[c] {
			return c
		}
	}
}

// inParallel runs try(0..n-1) at once, each in its own goroutine, released together, and
// returns their errors.
func inParallel(n int, try func(i int) error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := 0; i < n; i++ {
		done.Add(1)
		go func(i int) {
			defer done.Done()
			start.Wait()
			errs[i] = try(i)
		}(i)
	}
	start.Done()
	done.Wait()
	return errs
}

// TestLimitsHoldInParallel: for each limit on guessing a secret (a password per account and
// per address, a two-factor code, the current password asked by a credential change, an API
// token), many wrong tries sent at once have at most
// the limit's number checked; every other one is refused as rate-limited without being
// checked, and the right secret afterwards is refused too (a valid API token excepted: see
// TestValidTokenPassesLimitedAddress). A limit that counts in one transaction and records in
// another lets them all through.
func TestLimitsHoldInParallel(t *testing.T) {
	const tries = 50
	ctx := context.Background()
	type limitCase struct {
		// try makes the i-th wrong try; right tries the right secret afterwards.
		try   func(i int) error
		right func() error
		// failures counts the failures recorded towards the limit.
		failures func() int64
	}
	loginFailures := func(s *Store, where string, arg any) func() int64 {
		return func() int64 {
			var n int64
			if err := s.db.Model(&LoginFailure{}).Where(where, arg).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	for _, tc := range []struct {
		name string
		// wrong is the error of a try that was checked and found wrong.
		wrong error
		limit int
		// passwords: each checked try costs one argon2 comparison.
		passwords bool
		// rightErr is what the right secret gets afterwards.
		rightErr error
		setup    func(t *testing.T, s *Store) limitCase
	}{
		{"password per account", ErrBadLogin, maxFailsPerAccount, true, ErrRateLimited, func(t *testing.T, s *Store) limitCase {
			mkUser(t, s, "cw@example.org", RoleCaseworker)
			return limitCase{
				// From as many addresses as tries: only the account's limit applies.
				try: func(i int) error {
					_, err := s.Authenticate(ctx, "cw@example.org", "wrong password "+strconv.Itoa(i), fmt.Sprintf("198.51.100.%d", i))
					return err
				},
				right: func() error {
					_, err := s.Authenticate(ctx, "cw@example.org", "correct horse battery", "203.0.113.9")
					return err
				},
				failures: loginFailures(s, "account_key = ?", hashToken("cw@example.org")),
			}
		}},
		{"password per address", ErrBadLogin, maxFailsPerAddress, true, ErrRateLimited, func(t *testing.T, s *Store) limitCase {
			mkUser(t, s, "cw@example.org", RoleCaseworker)
			for i := 0; i < 10; i++ {
				mkUser(t, s, fmt.Sprintf("cw%d@example.org", i), RoleCaseworker)
			}
			return limitCase{
				// Many accounts (known and unknown) from one address.
				try: func(i int) error {
					_, err := s.Authenticate(ctx, fmt.Sprintf("cw%d@example.org", i), "wrong password", "198.51.100.1")
					return err
				},
				right: func() error {
					_, err := s.Authenticate(ctx, "cw@example.org", "correct horse battery", "198.51.100.1")
					return err
				},
				failures: loginFailures(s, "ip = ?", "198.51.100.1"),
			}
		}},
		{"two-factor code", ErrBadCode, maxFailsPerAccount, false, ErrRateLimited, func(t *testing.T, s *Store) limitCase {
			u := mkUser(t, s, "sup@example.org", RoleSupervisor)
			secret, recovery := enrolTOTP(t, s, u)
			pending := func() string {
				res, err := s.Login(ctx, "sup@example.org", "correct horse battery", "203.0.113.9", "test")
				if err != nil || !res.SecondStep {
					t.Fatalf("password step: %v", err)
				}
				return res.Token
			}
			burst, later := pending(), pending()
			bad := wrongCode(t, secret, s.now())
			return limitCase{
				try: func(i int) error {
					_, _, err := s.FinishLogin(ctx, burst, bad, fmt.Sprintf("198.51.100.%d", i), "test")
					if errors.Is(err, ErrUnauthenticated) { // the limit ended the pending login
						err = ErrRateLimited
					}
					return err
				},
				right: func() error {
					_, _, err := s.FinishLogin(ctx, later, recovery[0], "203.0.113.9", "test")
					return err
				},
				failures: loginFailures(s, "account_key = ?", hashToken("sup@example.org")),
			}
		}},
		{"current password of a credential change", ErrBadLogin, maxFailsPerAccount, true, ErrRateLimited, func(t *testing.T, s *Store) limitCase {
			u := mkUser(t, s, "cw@example.org", RoleCaseworker)
			change := func(current, ip string) error {
				err := s.ChangePassword(ctx, u, ip, Proof{Password: current}, "a river of slow tea", "")
				var ve *ValidationError
				if errors.As(err, &ve) && ve.Fields["current"] != "" {
					return ErrBadLogin
				}
				return err
			}
			return limitCase{
				try: func(i int) error {
					return change("wrong password "+strconv.Itoa(i), fmt.Sprintf("198.51.100.%d", i))
				},
				right:    func() error { return change("correct horse battery", "203.0.113.9") },
				failures: loginFailures(s, "account_key = ?", hashToken("cw@example.org")),
			}
		}},
		{"API token per address", ErrUnauthenticated, maxTokenFailsPerAddress, false, nil, func(t *testing.T, s *Store) limitCase {
			mkUser(t, s, "cw@example.org", RoleCaseworker)
			good, err := s.CreateToken(ctx, "cw@example.org", "test")
			if err != nil {
				t.Fatal(err)
			}
			return limitCase{
				try: func(i int) error {
					_, err := s.TokenUserFrom(ctx, tokenPrefix+newToken(), "198.51.100.1")
					return err
				},
				right: func() error {
					_, err := s.TokenUserFrom(ctx, good, "198.51.100.1")
					return err
				},
				failures: func() int64 {
					var n int64
					if err := s.db.Model(&TokenFailure{}).Where("ip = ?", "198.51.100.1").Count(&n).Error; err != nil {
						t.Fatal(err)
					}
					return n
				},
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			lc := tc.setup(t, s)
			checksBefore := s.passwordChecks.Load()
			errs := inParallel(tries, lc.try)
			checks := s.passwordChecks.Load() - checksBefore
			wrong, limited := 0, 0
			for i, err := range errs {
				switch {
				case errors.Is(err, tc.wrong):
					wrong++
				case errors.Is(err, ErrRateLimited):
					limited++
				default:
					t.Errorf("try %d: %v", i, err)
				}
			}
			if wrong != tc.limit || limited != tries-tc.limit {
				t.Errorf("%d tries at once: %d checked and wrong, %d rate-limited; want %d and %d", tries, wrong, limited, tc.limit, tries-tc.limit)
			}
			if tc.passwords && checks != int64(tc.limit) {
				t.Errorf("%d tries at once ran %d password checks, want %d", tries, checks, tc.limit)
			}
			if n := lc.failures(); n != int64(tc.limit) {
				t.Errorf("%d failures recorded, want %d", n, tc.limit)
			}
			before := s.passwordChecks.Load()
			if err := lc.right(); !errors.Is(err, tc.rightErr) {
				t.Errorf("the right secret afterwards: %v, want %v", err, tc.rightErr)
			}
			if tc.passwords && s.passwordChecks.Load() != before {
				t.Error("the right password was checked past the limit")
			}
		})
	}
}

// TestLoginLimitAcrossInstances: two himoya processes over one database file share the
// limit, even when both take tries at once: the reservation is a write transaction, which
// SQLite serialises across connections (BEGIN IMMEDIATE).
func TestLoginLimitAcrossInstances(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mkUser(t, s, "cw@example.org", RoleCaseworker)
	s2, err := Open(ctx, Options{Path: dbPath(t, s)})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	errs := inParallel(40, func(i int) error {
		st := s
		if i%2 == 1 {
			st = s2
		}
		_, err := st.Authenticate(ctx, "cw@example.org", "wrong password", fmt.Sprintf("198.51.100.%d", i))
		return err
	})
	wrong := 0
	for _, err := range errs {
		if errors.Is(err, ErrBadLogin) {
			wrong++
		} else if !errors.Is(err, ErrRateLimited) {
			t.Fatal(err)
		}
	}
	if checks := s.passwordChecks.Load() + s2.passwordChecks.Load(); wrong != maxFailsPerAccount || checks != maxFailsPerAccount {
		t.Fatalf("two instances checked %d passwords (%d wrong), want %d", checks, wrong, maxFailsPerAccount)
	}
}

// TestRightTriesDoNotCount: a try is counted before it is checked, and a right one gives its
// reservation back, so that people are not locked out by their own logins: an account with
// two-factor login (whose password step keeps earlier failures) types its right password
// more often than the limit, and a shared office address logs many people in. An unknown
// e-mail costs a password check, like a known one.
func TestRightTriesDoNotCount(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	u := mkUser(t, s, "sup@example.org", RoleSupervisor)
	enrolTOTP(t, s, u)
	for i := 0; i < maxFailsPerAccount+2; i++ {
		if _, err := s.Login(ctx, "sup@example.org", "correct horse battery", "198.51.100.1", "test"); err != nil {
			t.Fatalf("password step %d: %v", i+1, err)
		}
	}
	for i := 0; i < maxFailsPerAddress+2; i++ {
		email := fmt.Sprintf("cw%d@example.org", i)
		mkUser(t, s, email, RoleCaseworker)
		if _, err := s.Authenticate(ctx, email, "correct horse battery", "198.51.100.2"); err != nil {
			t.Fatalf("login %d from the office: %v", i+1, err)
		}
	}
	var n int64
	if err := s.db.Model(&LoginFailure{}).Count(&n).Error; err != nil || n != 0 {
		t.Fatalf("%d failures recorded after right tries only (%v)", n, err)
	}
	before := s.passwordChecks.Load()
	if _, err := s.Authenticate(ctx, "nobody@example.org", "whatever it is", "198.51.100.3"); !errors.Is(err, ErrBadLogin) {
		t.Fatal(err)
	}
	if s.passwordChecks.Load() != before+1 {
		t.Fatal("an unknown e-mail skipped the password check: it answers faster than a known one")
	}
}
