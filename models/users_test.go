package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPasswordsAreArgon2id(t *testing.T) {
	s := openTest(t)
	u := mkUser(t, s, "cw@example.org", RoleCaseworker)
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id with OWASP parameters", u.PasswordHash)
	}
	if strings.Contains(u.PasswordHash, "correct horse") {
		t.Fatal("the hash holds the password")
	}
	if !s.checkPassword(u.PasswordHash, "correct horse battery") || s.checkPassword(u.PasswordHash, "correct horse batterx") {
		t.Fatal("checkPassword is wrong")
	}
	// dummyHash parses, so an unknown e-mail costs as much as a wrong password.
	if s.checkPassword(dummyHash, "x") {
		t.Fatal("dummy hash matched")
	}
}

func TestCreateUserValidation(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		in    UserInput
		field string
	}{
		{UserInput{Email: "not-an-email", Role: RoleCaseworker, Password: "long enough password"}, "email"},
		{UserInput{Email: "a@example.org", Role: "boss", Password: "long enough password"}, "role"},
		{UserInput{Email: "a@example.org", Role: RoleCaseworker, Password: "short"}, "password"},
		{UserInput{Email: "a@example.org", Role: RoleCaseworker, Password: "elevenchars"}, "password"},
	} {
		_, err := s.CreateUser(ctx, tc.in)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
			t.Errorf("%+v: %v, want an error on %s", tc.in, err, tc.field)
		}
	}
	mkUser(t, s, "A@Example.org", RoleCaseworker)
	_, err := s.CreateUser(ctx, UserInput{Email: "a@example.org", Role: RoleCaseworker, Password: "long enough password"})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["email"] == "" {
		t.Errorf("duplicate e-mail (other case): %v", err)
	}
}

func TestSessionTimeouts(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	u := mkUser(t, s, "cw@example.org", RoleCaseworker)
	now := time.Now()
	s.Now = func() time.Time { return now }
	tok, err := s.CreateSession(ctx, u, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	var stored Session
	s.db.First(&stored)
	if stored.ID == tok || stored.ID != hashToken(tok) {
		t.Fatal("the session row holds the cookie secret")
	}
	// Active use keeps it alive past the idle timeout...
	for i := 0; i < 4; i++ {
		now = now.Add(20 * time.Minute)
		if _, err := s.SessionUser(ctx, tok); err != nil {
			t.Fatalf("session ended after %d x 20 min of use: %v", i+1, err)
		}
	}
	// ...but 31 idle minutes end it.
	now = now.Add(31 * time.Minute)
	if _, err := s.SessionUser(ctx, tok); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("idle session: %v", err)
	}
	// The absolute limit holds even under use.
	now = time.Now()
	tok, _ = s.CreateSession(ctx, u, "127.0.0.1", "test")
	for i := 0; i < 12*3; i++ {
		now = now.Add(20 * time.Minute)
		if _, err := s.SessionUser(ctx, tok); err != nil {
			if i < 35 {
				t.Fatalf("session ended early at %v", time.Duration(i+1)*20*time.Minute)
			}
		}
	}
	now = now.Add(time.Minute)
	if _, err := s.SessionUser(ctx, tok); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("session older than 12 h: %v", err)
	}
}

func TestAuthenticateLimits(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mkUser(t, s, "cw@example.org", RoleCaseworker)
	now := time.Now()
	s.Now = func() time.Time { return now }
	if _, err := s.Authenticate(ctx, "nobody@example.org", "whatever password", "10.0.0.1"); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("unknown account: %v", err)
	}
	for i := 0; i < maxFailsPerAccount; i++ {
		if _, err := s.Authenticate(ctx, "cw@example.org", "wrong password!", "10.0.0.1"); !errors.Is(err, ErrBadLogin) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := s.Authenticate(ctx, "CW@example.org", "correct horse battery", "10.0.0.2"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("locked account from another address: %v", err)
	}
	now = now.Add(loginWindow + time.Second)
	if _, err := s.Authenticate(ctx, "cw@example.org", "correct horse battery", "10.0.0.1"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// TestNoAccountActsOnItself: every admin action on an account refuses an admin acting on
// their own (a validation error on "account") and changes nothing, refuses an account that
// is not an admin, and lets another admin and the command line (no actor) through.
func TestNoAccountActsOnItself(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		act  func(s *Store, actor *User, id uint) error
	}{
		{"update", func(s *Store, actor *User, id uint) error {
			_, err := s.UpdateUser(ctx, actor, id, "x", RoleAdmin, true)
			return err
		}},
		{"reset password", func(s *Store, actor *User, id uint) error {
			return s.ResetPassword(ctx, actor, id, "a brand new password")
		}},
		{"end sessions", func(s *Store, actor *User, id uint) error {
			_, err := s.EndUserSessions(ctx, actor, id)
			return err
		}},
		{"reset two-factor", func(s *Store, actor *User, id uint) error {
			return s.ResetTwoFactor(ctx, actor, id)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			it := mkUser(t, s, "it@example.org", RoleAdminOnly)
			boss := mkUser(t, s, "boss@example.org", RoleAdmin)
			sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
			enrolTOTP(t, s, it)
			if _, err := s.CreateSession(ctx, it, "192.0.2.1", "test"); err != nil {
				t.Fatal(err)
			}
			state := func() string {
				var u User
				var sessions, secrets int64
				s.db.First(&u, it.ID)
				s.db.Model(&Session{}).Where("user_id = ?", it.ID).Count(&sessions)
				s.db.Model(&TwoFactor{}).Where("user_id = ?", it.ID).Count(&secrets)
				return fmt.Sprintf("%s %s %v %v %s %v %d %d", u.Name, u.Role, u.AlsoSupervisor, u.Active, u.PasswordHash,
					u.TwoFactorAt != nil, sessions, secrets)
			}
			before := state()
			err := tc.act(s, it, it.ID)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields["account"] == "" {
				t.Fatalf("acting on one's own account: %v", err)
			}
			if err := tc.act(s, sup, it.ID); !errors.Is(err, ErrForbidden) {
				t.Fatalf("a supervisor: %v", err)
			}
			if state() != before {
				t.Fatal("a refused action changed the account")
			}
			if err := tc.act(s, boss, it.ID); err != nil {
				t.Fatalf("another admin: %v", err)
			}
			if state() == before {
				t.Fatal("another admin's action changed nothing")
			}
			if err := tc.act(s, nil, boss.ID); err != nil {
				t.Fatalf("the command line: %v", err)
			}
		})
	}
}
