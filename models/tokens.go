package models

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// API tokens carry a role, at most their account's: a telephony integration that only logs
// calls gets a caseworker's token even when it was made by a supervisor. A request made with
// a token acts with the token's role (see TokenUser).

// APIToken lets a program (telephony, a messenger bot) act as a user on the JSON API.
// Only the SHA-256 of the token is stored.
type APIToken struct {
	ID         uint
	UserID     uint
	User       *User
	Hash       string
	Prefix     string // the token's first characters, kept to recognise and revoke it
	Name       string
	Role       Role // what requests made with the token act as: at most the account's role
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// tokenPrefix marks himoya's API tokens so that a leaked one is easy to recognise.
const tokenPrefix = "hmy_"

// CreateToken makes a new API token, with the account's own role on cases, for the account
// with this e-mail and returns it. It is shown once: only its hash is kept.
func (s *Store) CreateToken(ctx context.Context, email, name string) (string, error) {
	tok, _, err := s.CreateTokenWithRole(ctx, email, name, "")
	return tok, err
}

// TokenUser returns the user an API token acts for, with the token's role (see tokenActor).
// A revoked token, or one of a deactivated account, gives ErrUnauthenticated.
func (s *Store) TokenUser(ctx context.Context, tok string) (*User, error) {
	if tok == "" {
		return nil, ErrUnauthenticated
	}
	var t APIToken
	err := s.rdb(ctx).Preload("User").Where("hash = ? AND revoked_at IS NULL", hashToken(tok)).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrUnauthenticated
	} else if err != nil {
		return nil, err
	}
	if t.User == nil || !t.User.Active {
		return nil, ErrUnauthenticated
	}
	actor, err := tokenActor(&t)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > touchEvery {
		if err := s.wdb(ctx).Model(&APIToken{}).Where("id = ?", t.ID).Update("last_used_at", now).Error; err != nil {
			return nil, err
		}
	}
	return actor, nil
}

// tokenShown is how many characters of a token are kept in clear (its prefix, e.g.
// "hmy_Ab3d"), so that a token can be recognised in a list and revoked. The rest (232 bits of
// randomness) is known only to its holder.
const tokenShown = len(tokenPrefix) + 4

// TokenRoles lists the roles a token can carry.
var TokenRoles = []Role{RoleCaseworker, RoleSupervisor, RoleAdmin}

// defaultTokenRole is the role a token gets when none is asked for: the account's role on
// cases, or admin for an account that does not work on cases.
func defaultTokenRole(u *User) Role {
	if r := u.CaseRole(); r != "" {
		return r
	}
	return RoleAdmin
}

// tokenActor is the user a request made with token t acts as: the account, with the token's
// role only. A token whose role the account no longer has (it was demoted) acts for nobody.
func tokenActor(t *APIToken) (*User, error) {
	u := *t.User
	if !t.Role.Valid() || t.Role == RoleAdminOnly || !u.Can(t.Role) {
		return nil, ErrUnauthenticated
	}
	u.Role, u.AlsoSupervisor = t.Role, false
	return &u, nil
}

// CreateTokenWithRole makes a new API token with role for the account with this e-mail and
// returns the token (shown once: only its hash and prefix are kept) and its record. An empty
// role is the account's own role on cases.
func (s *Store) CreateTokenWithRole(ctx context.Context, email, name string, role Role) (string, *APIToken, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return "", nil, err
	}
	if !u.Active {
		return "", nil, &ValidationError{Fields: map[string]string{"email": "v.this_account_deactivated"}}
	}
	if role == "" {
		role = defaultTokenRole(u)
	}
	switch {
	case role != RoleCaseworker && role != RoleSupervisor && role != RoleAdmin:
		return "", nil, &ValidationError{Fields: map[string]string{"role": "v.choose_caseworker_supervisor_admin"}}
	case !u.Can(role):
		return "", nil, &ValidationError{Fields: map[string]string{"role": "v.token_cannot_have_role_account"}}
	}
	fe := fieldErrors{}
	if name = textField(fe, "name", name, 100); len(fe) > 0 {
		return "", nil, fe.err()
	}
	tok := tokenPrefix + newToken()
	t := &APIToken{UserID: u.ID, Hash: hashToken(tok), Prefix: tok[:tokenShown], Name: name, Role: role}
	err = s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(t).Error; err != nil {
			return err
		}
		return s.audit(tx, Audit{Action: AuditTokenCreate, Object: ObjectUser, ObjectID: u.ID, Detail: "token=" + itoa(t.ID) + " role=" + string(role)})
	})
	if err != nil {
		return "", nil, err
	}
	t.User = u
	return tok, t, nil
}

// ListTokens lists the API tokens of the account with this e-mail, newest first, revoked ones
// included.
func (s *Store) ListTokens(ctx context.Context, email string) ([]APIToken, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	var ts []APIToken
	err = s.rdb(ctx).Where("user_id = ?", u.ID).Order("id DESC").Find(&ts).Error
	return ts, err
}

// ErrAmbiguousToken says a prefix names more than one token: give more of it, or the id.
var ErrAmbiguousToken = errors.New("more than one token starts like this: give the id")

// RevokeToken revokes the token with this id, or (id 0) the one token whose prefix starts
// with prefix. From then on it gets 401. Revoking a revoked token changes nothing.
func (s *Store) RevokeToken(ctx context.Context, id uint, prefix string) (*APIToken, error) {
	var t APIToken
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Preload("User")
		if id != 0 {
			q = q.Where("id = ?", id)
		} else {
			prefix = strings.TrimSpace(prefix)
			if len(prefix) < tokenShown {
				return &ValidationError{Fields: map[string]string{"prefix": Message("v.token_prefix", "N", tokenShown)}}
			}
			if len(prefix) > tokenShown {
				prefix = prefix[:tokenShown] // a whole token was pasted
			}
			q = q.Where("substr(prefix, 1, ?) = ?", len(prefix), prefix)
		}
		var ts []APIToken
		if err := q.Limit(2).Find(&ts).Error; err != nil {
			return err
		}
		switch len(ts) {
		case 0:
			return ErrNotFound
		case 2:
			return ErrAmbiguousToken
		}
		t = ts[0]
		if t.RevokedAt != nil {
			return nil
		}
		now := s.now()
		t.RevokedAt = &now
		if err := tx.Model(&APIToken{}).Where("id = ?", t.ID).Update("revoked_at", now).Error; err != nil {
			return err
		}
		return s.audit(tx, Audit{Action: AuditTokenRevoke, Object: ObjectUser, ObjectID: t.UserID, Detail: "token=" + itoa(t.ID)})
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }

// API token limits: failed token uses counted over tokenWindow per address.
const (
	tokenWindow             = 15 * time.Minute
	maxTokenFailsPerAddress = 20
)

// TokenFailure records a request with a bad API token, so that the limit on guessing tokens
// holds across restarts and instances.
type TokenFailure struct {
	ID uint
	IP string
	At time.Time
}

// TokenUserFrom is TokenUser for a request from address ip. The token is checked first (a
// hash lookup) and a valid one always passes, whatever the address did: a 256-bit token
// cannot be guessed, so the limit exists only to slow scanning, and must never lock out the
// good clients that share an address with a bad one (an office behind one NAT, everyone
// behind a reverse proxy). A bad token (unknown, revoked, of a deactivated account) counts
// against the address, and past maxTokenFailsPerAddress within tokenWindow gets
// ErrRateLimited instead of ErrUnauthenticated. Like every limit, it counts and records in
// one write transaction, so bad tokens sent at once cannot slip past it.
func (s *Store) TokenUserFrom(ctx context.Context, tok, ip string) (*User, error) {
	u, err := s.TokenUser(ctx, tok)
	if !errors.Is(err, ErrUnauthenticated) {
		return u, err
	}
	limited := false
	err = s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&TokenFailure{}).Where("ip = ? AND at > ?", ip, s.now().Add(-tokenWindow)).Count(&n).Error; err != nil {
			return err
		}
		if limited = n >= maxTokenFailsPerAddress; limited {
			return nil
		}
		return tx.Create(&TokenFailure{IP: ip, At: s.now()}).Error
	})
	switch {
	case err != nil:
		return nil, err
	case limited:
		return nil, ErrRateLimited
	}
	return nil, ErrUnauthenticated
}
