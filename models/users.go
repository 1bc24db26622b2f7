package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
	"gorm.io/gorm"
)

// Role is what an account may do. The roles on cases are ranked: a supervisor may do all a
// caseworker may. Admin is apart: admins manage accounts and settings and read cases only when
// they are also supervisors (User.AlsoSupervisor; see access.go). Ask User.Can, not the Role
// field, what an account may do.
type Role string

// The roles.
const (
	RoleCaseworker Role = "caseworker"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Roles lists every role an account row can hold, lowest first.
var Roles = []Role{RoleCaseworker, RoleSupervisor, RoleAdmin}

func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i + 1
		}
	}
	return 0
}

// Valid reports whether r is one of Roles or RoleAdminOnly (what forms may ask for).
func (r Role) Valid() bool { return r.rank() > 0 || r == RoleAdminOnly }

// AtLeast reports whether r ranks at or above min among the roles on cases. Admin ranks
// with no other role: it is at least admin only, and is not at least supervisor (an admin who
// is also a supervisor is so by User.AlsoSupervisor, which User.Can reads).
func (r Role) AtLeast(min Role) bool {
	if r == RoleAdmin || min == RoleAdmin {
		return r == min
	}
	return r.rank() > 0 && r.rank() >= min.rank()
}

// User is a person who works with himoya: a caseworker, supervisor or admin.
type User struct {
	ID             uint   `json:"-"`
	Email          string `json:"email"`
	Name           string `json:"name"`
	Role           Role   `json:"role"`
	AlsoSupervisor bool   `json:"also_supervisor"` // an admin who is also a supervisor reads cases
	PasswordHash   string `json:"-"`
	Active         bool   `json:"active"`
	// TwoFactorAt is when the account set up two-factor login; nil: it has not.
	TwoFactorAt *time.Time `json:"-"`
	CreatedAt   time.Time  `json:"-"`
	UpdatedAt   time.Time  `json:"-"`
}

// DisplayName is the name, or the e-mail when there is none.
func (u *User) DisplayName() string {
	if u == nil {
		return ""
	}
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// argon2id parameters recommended by OWASP (Password Storage Cheat Sheet): m=19 MiB, t=2, p=1.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	// maxConcurrentHashes bounds the memory that logins can take at once (19 MiB each).
	maxConcurrentHashes = 4
)

// hashPassword returns the PHC string of an argon2id hash of pw.
func (s *Store) hashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	s.hashSlots <- struct{}{}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	<-s.hashSlots
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword compares pw with a PHC string made by hashPassword, in constant time.
func (s *Store) checkPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || m > 1<<20 || t > 16 || p == 0 {
		return false
	}
	s.hashSlots <- struct{}{}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	<-s.hashSlots
	return subtle.ConstantTimeCompare(got, want) == 1
}

// UserInput is what creating or changing an account takes.
type UserInput struct {
	Email    string
	Name     string
	Role     Role
	Password string
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func validEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e && len(e) <= 254
}

func checkPasswordRules(fe fieldErrors, pw string) {
	if len([]rune(pw)) < MinPasswordLength {
		fe.add("password", fmt.Sprintf("use at least %d characters", MinPasswordLength))
	} else if len(pw) > 1024 {
		fe.add("password", "use at most 1024 characters")
	} else if IsCommonPassword(pw) {
		fe.add("password", "this password is on a list of common passwords that attackers try first: choose another")
	}
}

// CreateUser adds an account without an acting user: the command line and the first start.
func (s *Store) CreateUser(ctx context.Context, in UserInput) (*User, error) {
	return s.CreateUserAs(ctx, nil, in)
}

// CreateUserAs adds an account on behalf of actor, an admin (nil: the command line), and
// records it in the audit log.
func (s *Store) CreateUserAs(ctx context.Context, actor *User, in UserInput) (*User, error) {
	if actor != nil && !actor.Role.AtLeast(RoleAdmin) {
		return nil, ErrForbidden
	}
	fe := fieldErrors{}
	in.Email = normEmail(textField(fe, "email", in.Email, 254))
	if !validEmail(in.Email) {
		fe.add("email", "enter a valid e-mail address")
	}
	if !in.Role.Valid() {
		fe.add("role", "choose caseworker, supervisor, admin or admin-only")
	}
	in.Name = textField(fe, "name", in.Name, maxName)
	checkPasswordRules(fe, in.Password)
	if err := fe.err(); err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	role, alsoSupervisor := in.Role.stored()
	u := &User{Email: in.Email, Name: in.Name, Role: role, AlsoSupervisor: alsoSupervisor, PasswordHash: hash, Active: true}
	err = s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(u).Error; err != nil {
			return err
		}
		return s.audit(tx, Audit{Actor: actor, Action: AuditUserCreate, Object: ObjectUser, ObjectID: u.ID, Detail: "role=" + string(u.Choice())})
	})
	if err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, &ValidationError{Fields: map[string]string{"email": "an account with this e-mail exists"}}
		}
		return nil, err
	}
	return u, nil
}

// CountUsers counts the accounts.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.rdb(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

// ListUsers lists every account, active first, by name.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var us []User
	err := s.rdb(ctx).Order("active DESC, name, email").Find(&us).Error
	return us, err
}

// Caseworkers lists the active accounts that can be assigned cases: those that work on cases.
func (s *Store) Caseworkers(ctx context.Context) ([]User, error) {
	var us []User
	err := s.rdb(ctx).Where("active = ? AND (role IN ? OR (role = ? AND also_supervisor))", true,
		[]Role{RoleCaseworker, RoleSupervisor}, RoleAdmin).Order("name, email").Find(&us).Error
	return us, err
}

// UserByID finds an account.
func (s *Store) UserByID(ctx context.Context, id uint) (*User, error) {
	var u User
	if err := s.rdb(ctx).First(&u, id).Error; err != nil {
		return nil, translate(err)
	}
	return &u, nil
}

// UserByEmail finds an account by e-mail.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	return userByEmail(s.rdb(ctx), email)
}

func userByEmail(tx *gorm.DB, email string) (*User, error) {
	var u User
	if err := tx.Where("email = ?", normEmail(email)).First(&u).Error; err != nil {
		return nil, translate(err)
	}
	return &u, nil
}

// UpdateUser changes an account's name, role and active flag (admins only). An admin cannot
// demote or deactivate themselves, so that an organisation never locks itself out.
func (s *Store) UpdateUser(ctx context.Context, actor *User, id uint, name string, role Role, active bool) (*User, error) {
	if !actor.Role.AtLeast(RoleAdmin) {
		return nil, ErrForbidden
	}
	fe := fieldErrors{}
	name = textField(fe, "name", name, maxName)
	if !role.Valid() {
		fe.add("role", "choose caseworker, supervisor, admin or admin-only")
	}
	stored, alsoSupervisor := role.stored()
	if id == actor.ID && (stored != RoleAdmin || !active) {
		fe.add("role", "you cannot remove your own admin role or deactivate yourself")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	var u User
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.First(&u, id).Error; err != nil {
			return translate(err)
		}
		detail := userChanges(&u, name, role, active)
		u.Name, u.Role, u.AlsoSupervisor, u.Active = name, stored, alsoSupervisor, active
		if err := tx.Save(&u).Error; err != nil {
			return err
		}
		if detail != "" {
			if err := s.audit(tx, Audit{Actor: actor, Action: AuditUserUpdate, Object: ObjectUser, ObjectID: u.ID, Detail: detail}); err != nil {
				return err
			}
		}
		if !active { // a deactivated account loses its sessions at once
			return tx.Where("user_id = ?", id).Delete(&Session{}).Error
		}
		return nil
	})
	return &u, err
}

// SetPassword changes a password. A user changing their own must give the current one; an
// admin may set anyone's (a reset). All the user's sessions but the current one end.
func (s *Store) SetPassword(ctx context.Context, actor *User, id uint, current, next string, keepSession string) error {
	if actor.ID != id && !actor.Role.AtLeast(RoleAdmin) {
		return ErrForbidden
	}
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return err
	}
	fe := fieldErrors{}
	if actor.ID == id && !s.checkPassword(u.PasswordHash, current) {
		fe.add("current", "the current password is wrong")
	}
	checkPasswordRules(fe, next)
	if err := fe.err(); err != nil {
		return err
	}
	hash, err := s.hashPassword(next)
	if err != nil {
		return err
	}
	return s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", id).Update("password_hash", hash).Error; err != nil {
			return err
		}
		detail := "change"
		if actor.ID != id {
			detail = "reset"
		}
		if err := s.audit(tx, Audit{Actor: actor, Action: AuditUserPassword, Object: ObjectUser, ObjectID: id, Detail: detail}); err != nil {
			return err
		}
		return tx.Where("user_id = ? AND id <> ?", id, hashToken(keepSession)).Delete(&Session{}).Error
	})
}

// Login limits: failed attempts counted over loginWindow, per account and per address.
const (
	loginWindow        = 15 * time.Minute
	maxFailsPerAccount = 5
	maxFailsPerAddress = 30
)

// LoginFailure records a failed login, so that limits hold across restarts and instances.
type LoginFailure struct {
	ID         uint
	AccountKey string
	IP         string
	At         time.Time
}

// dummyHash is checked against when an account does not exist, so that a wrong e-mail takes
// as long as a wrong password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3j2mvbrvRBQcFO5UYaZD3XjlRTJWwbUPNXtM0jLTM2M"

// Authenticate checks an e-mail and password from address ip. Too many recent failures for
// the account or the address give ErrRateLimited without checking the password.
func (s *Store) Authenticate(ctx context.Context, email, password, ip string) (*User, error) {
	key := hashToken(normEmail(email))
	since := s.now().Add(-loginWindow)
	var byAccount, byAddr int64
	db := s.wdb(ctx)
	if err := db.Model(&LoginFailure{}).Where("account_key = ? AND at > ?", key, since).Count(&byAccount).Error; err != nil {
		return nil, err
	}
	if err := db.Model(&LoginFailure{}).Where("ip = ? AND at > ?", ip, since).Count(&byAddr).Error; err != nil {
		return nil, err
	}
	limited := byAccount >= maxFailsPerAccount || byAddr >= maxFailsPerAddress
	u, err := userByEmail(db, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if limited {
		return nil, s.auditLoginFailure(ctx, u, "rate_limited", nil)
	}
	hash := dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok := s.checkPassword(hash, password)
	if u == nil || !ok || !u.Active {
		reason := "password"
		switch {
		case u == nil:
			reason = "unknown_account"
		case ok:
			reason = "inactive"
		}
		return nil, s.auditLoginFailure(ctx, u, reason, &LoginFailure{AccountKey: key, IP: ip, At: s.now()})
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		// With two-factor login the failures are cleared once the code is right (FinishLogin),
		// so that a known password does not buy endless guesses at codes.
		if u.TwoFactorAt == nil {
			if err := tx.Where("account_key = ?", key).Delete(&LoginFailure{}).Error; err != nil {
				return err
			}
		}
		return s.audit(tx, Audit{Actor: u, Action: AuditLoginOK, Object: ObjectUser, ObjectID: u.ID})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// auditLoginFailure records a refused login (and the failure that counts towards the
// limits, if any) and returns the error the user gets. The log names the account when the
// e-mail was one (u), never the e-mail typed nor the password; reason is a code.
func (s *Store) auditLoginFailure(ctx context.Context, u *User, reason string, f *LoginFailure) error {
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		if f != nil {
			if err := tx.Create(f).Error; err != nil {
				return err
			}
		}
		a := Audit{Action: AuditLoginFail, Detail: reason}
		if u != nil {
			a.Actor, a.Object, a.ObjectID = u, ObjectUser, u.ID
		}
		return s.audit(tx, a)
	})
	if err != nil {
		return err
	}
	if f == nil {
		return ErrRateLimited
	}
	return ErrBadLogin
}

// newToken returns a random secret: 32 bytes, base64url.
func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the system has no randomness: nothing is safe
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is the SHA-256 of a secret, hex: what is stored instead of the secret.
func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// NewPassword returns a random password for first-run and reset use.
func NewPassword() string { return newToken()[:20] }
