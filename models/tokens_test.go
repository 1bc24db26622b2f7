package models

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAPITokens(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	u := mkUser(t, s, "cw@example.org", RoleCaseworker)
	tok, err := s.CreateToken(ctx, "cw@example.org", "bot")
	if err != nil || !strings.HasPrefix(tok, "hmy_") {
		t.Fatalf("token %q %v", tok, err)
	}
	got, err := s.TokenUser(ctx, tok)
	if err != nil || got.ID != u.ID {
		t.Fatalf("token user: %v %v", got, err)
	}
	if _, err := s.TokenUser(ctx, tok+"x"); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("wrong token: %v", err)
	}
	s.db.Model(&APIToken{}).Where("1=1").Update("revoked_at", time.Now())
	if _, err := s.TokenUser(ctx, tok); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("revoked token: %v", err)
	}
	if _, err := s.CreateToken(ctx, "nobody@example.org", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("token for nobody: %v", err)
	}
}

// TestTokenUserFromLimit: from maxTokenFailsPerAddress bad tokens from an address within
// tokenWindow, every bad token from there is refused with ErrRateLimited, while a valid token
// from the same address still passes (a 256-bit token cannot be guessed: the limit only slows
// scanning); other addresses are not affected, good tokens do not count, and the limit lifts
// after the window.
func TestTokenUserFromLimit(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Now()
	s.Now = func() time.Time { return now }
	u := mkUser(t, s, "cw@example.org", RoleCaseworker)
	good, err := s.CreateToken(ctx, u.Email, "bot")
	if err != nil {
		t.Fatal(err)
	}
	use := func(tok, ip string, want error) {
		t.Helper()
		got, err := s.TokenUserFrom(ctx, tok, ip)
		if !errors.Is(err, want) || (want == nil && (got == nil || got.ID != u.ID)) {
			t.Fatalf("token from %s: %v, want %v", ip, err, want)
		}
	}
	const ip = "203.0.113.5"
	for range maxTokenFailsPerAddress - 1 {
		use("hmy_guessed", ip, ErrUnauthenticated)
	}
	use(good, ip, nil) // one short of the limit, and not counted
	use("hmy_guessed", ip, ErrUnauthenticated)
	use("hmy_guessed", ip, ErrRateLimited)
	use(good, ip, nil)
	use("hmy_guessed", ip, ErrRateLimited)
	use("hmy_guessed", "203.0.113.6", ErrUnauthenticated)
	now = now.Add(tokenWindow + time.Second)
	use("hmy_guessed", ip, ErrUnauthenticated)
}
