package models

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Session is a login on the web pages. It lives in the database so that several instances of
// himoya can share it; the row's ID is the hash of the cookie's secret, never the secret.
type Session struct {
	ID         string `gorm:"primaryKey"`
	UserID     uint
	User       *User
	CreatedAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
	// Pending marks a login halfway: the password was right and the second factor is
	// awaited. It opens nothing but the code form (see Login).
	Pending bool
}

// CreateSession starts a session for u and returns the secret for its cookie. Each login
// gets a new secret (no session fixation).
func (s *Store) CreateSession(ctx context.Context, u *User, ip, userAgent string) (string, error) {
	return s.createSession(s.wdb(ctx), u, ip, userAgent, false)
}

// createSession stores a new session, or a pending login, in tx and returns its secret.
func (s *Store) createSession(tx *gorm.DB, u *User, ip, userAgent string, pending bool) (string, error) {
	tok := newToken()
	now := s.now()
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	sess := Session{ID: hashToken(tok), UserID: u.ID, CreatedAt: now, LastSeenAt: now, IP: ip, UserAgent: userAgent, Pending: pending}
	if err := tx.Create(&sess).Error; err != nil {
		return "", err
	}
	return tok, nil
}

// touchEvery spares a write per request: a session's last-seen time moves at most this often.
const touchEvery = time.Minute

// SessionUser returns the user of the session whose cookie secret is tok. An expired session
// (idle or too old), or one of a deactivated user, is ended and gives ErrUnauthenticated.
func (s *Store) SessionUser(ctx context.Context, tok string) (*User, error) {
	if tok == "" {
		return nil, ErrUnauthenticated
	}
	var sess Session
	err := s.rdb(ctx).Preload("User").Where("id = ? AND NOT pending", hashToken(tok)).First(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrUnauthenticated
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	if now.Sub(sess.LastSeenAt) > s.IdleTimeout || now.Sub(sess.CreatedAt) > s.MaxSessionAge || sess.User == nil || !sess.User.Active {
		if err := s.wdb(ctx).Delete(&Session{}, "id = ?", sess.ID).Error; err != nil {
			return nil, err
		}
		return nil, ErrUnauthenticated
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		if err := s.wdb(ctx).Model(&Session{}).Where("id = ?", sess.ID).Update("last_seen_at", now).Error; err != nil {
			return nil, err
		}
	}
	return sess.User, nil
}

// EndSession ends the session whose cookie secret is tok (logout), and records it in the
// audit log.
func (s *Store) EndSession(ctx context.Context, tok string) error {
	return s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		var sess Session
		if err := tx.Where("id = ?", hashToken(tok)).Limit(1).Find(&sess).Error; err != nil {
			return err
		}
		if sess.ID == "" {
			return nil // already ended
		}
		if err := tx.Delete(&Session{}, "id = ?", sess.ID).Error; err != nil {
			return err
		}
		return s.audit(tx, Audit{Actor: &User{ID: sess.UserID}, Action: AuditLogout, Object: ObjectUser, ObjectID: sess.UserID})
	})
}

// PurgeSessions deletes expired sessions and pending logins, and old login and token
// failures.
func (s *Store) PurgeSessions(ctx context.Context) error {
	now := s.now()
	db := s.wdb(ctx)
	if err := db.Where("last_seen_at < ? OR created_at < ? OR (pending AND created_at < ?)", now.Add(-s.IdleTimeout),
		now.Add(-s.MaxSessionAge), now.Add(-pendingLoginAge)).Delete(&Session{}).Error; err != nil {
		return err
	}
	if err := db.Where("at < ?", now.Add(-tokenWindow)).Delete(&TokenFailure{}).Error; err != nil {
		return err
	}
	return db.Where("at < ?", now.Add(-loginWindow)).Delete(&LoginFailure{}).Error
}

// Setting is a value the instance keeps for itself (e.g. the key of its CSRF tokens).
type Setting struct {
	Key   string `gorm:"primaryKey"`
	Value string
}

// secret returns the named random secret, creating it on first use. It lives in the database
// so that every instance sharing the database agrees on it.
func (s *Store) secret(ctx context.Context, name string) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	db := s.wdb(ctx)
	fresh := Setting{Key: "secret:" + name, Value: base64.StdEncoding.EncodeToString(b)}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh).Error; err != nil {
		return nil, err
	}
	var got Setting
	if err := db.First(&got, "key = ?", fresh.Key).Error; err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(got.Value)
}

// CSRFKeyer derives the CSRF token of a browser from its cookie secret.
type CSRFKeyer struct{ key []byte }

// CSRF returns the helper that makes and checks CSRF tokens.
func (s *Store) CSRF(ctx context.Context) (*CSRFKeyer, error) {
	k, err := s.secret(ctx, "csrf")
	if err != nil {
		return nil, err
	}
	return &CSRFKeyer{key: k}, nil
}

// Token is the CSRF token for a browser whose cookie secret is bound.
func (k *CSRFKeyer) Token(bound string) string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("csrf\x00" + bound))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Check reports whether tok is the CSRF token for bound.
func (k *CSRFKeyer) Check(bound, tok string) bool {
	if bound == "" || tok == "" {
		return false
	}
	return hmac.Equal([]byte(k.Token(bound)), []byte(tok))
}
