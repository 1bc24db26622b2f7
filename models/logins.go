package models

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

// LoginResult is what the password step of a login gives: the secret for a cookie, of a full
// session, or (SecondStep) of a pending login that awaits the second factor.
type LoginResult struct {
	User       *User
	Token      string
	SecondStep bool
	// MustEnrol: the account must set up two-factor login before it may use anything else.
	MustEnrol bool
}

// Login checks an e-mail and password from address ip (see Authenticate) and starts a
// session with a new id. An account with two-factor login gets a pending login instead,
// which opens nothing but the code form for pendingLoginAge; FinishLogin turns it into a
// session.
func (s *Store) Login(ctx context.Context, email, password, ip, userAgent string) (*LoginResult, error) {
	u, err := s.Authenticate(ctx, email, password, ip)
	if err != nil {
		return nil, err
	}
	pending := u.TwoFactorAt != nil
	tok, err := s.createSession(s.wdb(ctx), u, ip, userAgent, pending)
	if err != nil {
		return nil, err
	}
	return &LoginResult{User: u, Token: tok, SecondStep: pending, MustEnrol: s.MustEnrolTwoFactor(u)}, nil
}

// pendingLogin finds the pending login whose cookie secret is tok; an expired one is ended.
func (s *Store) pendingLogin(tx *gorm.DB, tok string) (*Session, error) {
	if tok == "" {
		return nil, ErrUnauthenticated
	}
	var sess Session
	if err := tx.Preload("User").Where("id = ? AND pending", hashToken(tok)).Limit(1).Find(&sess).Error; err != nil {
		return nil, err
	}
	if sess.ID == "" {
		return nil, ErrUnauthenticated
	}
	if s.now().Sub(sess.CreatedAt) > pendingLoginAge || sess.User == nil || !sess.User.Active {
		if err := tx.Delete(&Session{}, "id = ?", sess.ID).Error; err != nil {
			return nil, err
		}
		return nil, ErrUnauthenticated
	}
	return &sess, nil
}

// PendingLogin returns the account of the pending login whose cookie secret is tok, or
// ErrUnauthenticated when there is none (or it expired).
func (s *Store) PendingLogin(ctx context.Context, tok string) (*User, error) {
	sess, err := s.pendingLogin(s.wdb(ctx), tok)
	if err != nil {
		return nil, err
	}
	return sess.User, nil
}

// FinishLogin checks the second factor (a TOTP code or a recovery code) of the pending login
// whose cookie secret is tok. When it is right the pending login ends and a session starts,
// with a new id, whose secret is returned. A wrong code gives ErrBadCode and counts as a
// failed login of the account and the address; past the limits (see Authenticate) the
// pending login ends and ErrRateLimited is returned.
func (s *Store) FinishLogin(ctx context.Context, tok, code, ip, userAgent string) (*User, string, error) {
	var u *User
	var session string
	// refusal is the error a refused code gets; the transaction still commits, so that the
	// failure and its audit entry are kept.
	var refusal error
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		sess, err := s.pendingLogin(tx, tok)
		if err != nil {
			return err
		}
		u = sess.User
		key := accountKey(u.Email)
		attempt, err := s.reserveAttempt(tx, key, ip)
		if err != nil {
			return err
		}
		if attempt == 0 {
			if err := tx.Delete(&Session{}, "id = ?", sess.ID).Error; err != nil {
				return err
			}
			refusal = ErrRateLimited
			return s.audit(tx, Audit{Actor: u, Action: AuditLogin2FAFail, Object: ObjectUser, ObjectID: u.ID, Detail: "rate_limited"})
		}
		how, err := s.checkSecondFactor(tx, u.ID, code)
		if err != nil {
			return err
		}
		if how == "" { // the reservation stays: it is this failure
			refusal = ErrBadCode
			return s.audit(tx, Audit{Actor: u, Action: AuditLogin2FAFail, Object: ObjectUser, ObjectID: u.ID, Detail: "code"})
		}
		if err := tx.Delete(&Session{}, "id = ?", sess.ID).Error; err != nil {
			return err
		}
		if err := tx.Where("account_key = ?", key).Delete(&LoginFailure{}).Error; err != nil {
			return err
		}
		if session, err = s.createSession(tx, u, ip, userAgent, false); err != nil {
			return err
		}
		return s.audit(tx, Audit{Actor: u, Action: AuditLogin2FAOK, Object: ObjectUser, ObjectID: u.ID, Detail: how})
	})
	if err == nil {
		err = refusal
	}
	if err != nil {
		return nil, "", err
	}
	return u, session, nil
}

// SessionInfo is one of an account's sessions as its owner sees it.
type SessionInfo struct {
	ID         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
	// Browser is a short name of the browser and system, read from the user agent.
	Browser string
	Current bool
}

// ListSessions lists u's live sessions, the most recently used first; current is the cookie
// secret of the session asking.
func (s *Store) ListSessions(ctx context.Context, u *User, current string) ([]SessionInfo, error) {
	now := s.now()
	var rows []Session
	err := s.rdb(ctx).Where("user_id = ? AND NOT pending AND last_seen_at >= ? AND created_at >= ?", u.ID,
		now.Add(-s.IdleTimeout), now.Add(-s.MaxSessionAge)).Order("last_seen_at DESC, created_at DESC").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	cur := hashToken(current)
	out := make([]SessionInfo, len(rows))
	for i, r := range rows {
		out[i] = SessionInfo{ID: r.ID, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, IP: r.IP, UserAgent: r.UserAgent,
			Browser: browserName(r.UserAgent), Current: r.ID == cur}
	}
	return out, nil
}

// EndOwnSession ends one of u's sessions, named by its id as ListSessions gives it. Another
// account's session is ErrNotFound.
func (s *Store) EndOwnSession(ctx context.Context, u *User, id string) error {
	return s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("id = ? AND user_id = ?", id, u.ID).Delete(&Session{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return s.audit(tx, Audit{Actor: u, Action: AuditSessionEnd, Object: ObjectUser, ObjectID: u.ID})
	})
}

// EndUserSessions ends every session and pending login of account id on behalf of actor,
// another admin (see adminActsOn) or the command line (nil), and returns how many there were.
// People end their own sessions on their account page (EndOwnSession).
func (s *Store) EndUserSessions(ctx context.Context, actor *User, id uint) (int64, error) {
	if err := adminActsOn(actor, id); err != nil {
		return 0, err
	}
	var n int64
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		var u User
		if err := tx.First(&u, id).Error; err != nil {
			return translate(err)
		}
		res := tx.Where("user_id = ?", id).Delete(&Session{})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return s.audit(tx, Audit{Actor: actor, Action: AuditSessionsEnd, Object: ObjectUser, ObjectID: id,
			Detail: "count=" + itoa(uint(n))})
	})
	return n, err
}

// browserName names the browser and system of a user agent in a few words ("Firefox on
// Android"), or "" when it names none that is known.
func browserName(ua string) string {
	l := strings.ToLower(ua)
	first := func(pairs [][2]string) string {
		for _, p := range pairs {
			if strings.Contains(l, p[0]) {
				return p[1]
			}
		}
		return ""
	}
	// Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
	b := first([][2]string{{"edg/", "Edge"}, {"opr/", "Opera"}, {"yabrowser", "Yandex Browser"}, {"firefox", "Firefox"},
		{"chrome", "Chrome"}, {"chromium", "Chromium"}, {"safari", "Safari"}, {"curl", "curl"}})
	os := first([][2]string{{"android", "Android"}, {"iphone", "iPhone"}, {"ipad", "iPad"}, {"windows", "Windows"},
		{"mac os", "macOS"}, {"linux", "Linux"}})
	switch {
	case b != "" && os != "":
		return b + " on " + os
	case b != "":
		return b
	}
	return os
}
