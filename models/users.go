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
	// Language is the interface language the account chose ("ru", "en"); "": the browser's.
	Language  string    `json:"-"`
	CreatedAt time.Time `json:"-"`
	UpdatedAt time.Time `json:"-"`
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
	s.passwordChecks.Add(1)
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
		fe.add("password", Message("v.password_min", "N", MinPasswordLength))
	} else if len(pw) > 1024 {
		fe.add("password", "v.use_at_most_1024_characters")
	} else if IsCommonPassword(pw) {
		fe.add("password", "v.this_password_on_list_common")
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
		fe.add("email", "v.enter_valid_mail_address")
	}
	if !in.Role.Valid() {
		fe.add("role", "v.choose_caseworker_supervisor_admin_admin")
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
			return nil, &ValidationError{Fields: map[string]string{"email": "v.account_this_mail_exists"}}
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

// adminActsOn is the one check of every admin action on an account (UpdateUser,
// ResetPassword, EndUserSessions, ResetTwoFactor): actor must be an admin, and acts on
// another account only. Separation of duties: no account changes its own role or access —
// an admin only cannot make itself a supervisor and read restricted cases, nor reset its own
// two-factor login or password without proving who it is — another admin does it, and the
// audit log names them. An actor nil is the command line, run by the server's operator.
func adminActsOn(actor *User, id uint) error {
	switch {
	case actor == nil:
		return nil
	case !actor.IsAdmin():
		return ErrForbidden
	case actor.ID == id:
		return &ValidationError{Fields: map[string]string{"account": "v.own_role"}}
	}
	return nil
}

// UpdateUser changes an account's name, role and active flag, on behalf of actor: another
// admin (see adminActsOn), or the command line (nil).
func (s *Store) UpdateUser(ctx context.Context, actor *User, id uint, name string, role Role, active bool) (*User, error) {
	if err := adminActsOn(actor, id); err != nil {
		return nil, err
	}
	fe := fieldErrors{}
	name = textField(fe, "name", name, maxName)
	if err := fe.err(); err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, &ValidationError{Fields: map[string]string{"role": "v.choose_caseworker_supervisor_admin_admin"}}
	}
	stored, alsoSupervisor := role.stored()
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

// ResetPassword sets a new password for account id on behalf of actor, another admin (see
// adminActsOn) or the command line (nil), for a person who forgot theirs: all its sessions
// end. People change their own with ChangePassword.
func (s *Store) ResetPassword(ctx context.Context, actor *User, id uint, next string) error {
	if err := adminActsOn(actor, id); err != nil {
		return err
	}
	fe := fieldErrors{}
	checkPasswordRules(fe, next)
	if err := fe.err(); err != nil {
		return err
	}
	hash, err := s.hashPassword(next)
	if err != nil {
		return err
	}
	return s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", id).Update("password_hash", hash)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := s.audit(tx, Audit{Actor: actor, Action: AuditUserPassword, Object: ObjectUser, ObjectID: id, Detail: "reset"}); err != nil {
			return err
		}
		return tx.Where("user_id = ?", id).Delete(&Session{}).Error
	})
}

// Proof is what people give to change their own credentials (password, two-factor login):
// their current password and, when two-factor login is on, a current code from their app
// (or one of their recovery codes). A session alone, perhaps left open on a shared computer
// or stolen, must not be enough to take the account over for good.
type Proof struct {
	Password string
	Code     string
}

// proveOwner checks that the person at u's session, asking from address ip, holds u's
// credentials (p), and if so runs change in the write transaction that records it. The try
// is a login try: it is reserved first (reserveAttempt), so past the login limits it gets
// ErrRateLimited unchecked, and a wrong password or code counts as a failed login of the
// account and the address — no faster a way to guess a password than the login form. A
// wrong one gives a ValidationError on "current" or "current_code", and nothing changes.
// prepare, if not nil, runs once the password is known right, outside any transaction (to
// hash a new password without holding the writer).
func (s *Store) proveOwner(ctx context.Context, u *User, ip string, p Proof, prepare func() error, change func(tx *gorm.DB) error) error {
	db := s.wdb(ctx)
	var cur User
	var attempt uint
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.First(&cur, u.ID).Error; err != nil {
			return translate(err)
		}
		var err error
		if attempt, err = s.reserveAttempt(tx, accountKey(cur.Email), ip); err != nil || attempt != 0 {
			return err
		}
		return s.auditLoginFailure(tx, &cur, "rate_limited")
	})
	if err != nil {
		return err
	}
	if attempt == 0 {
		return ErrRateLimited
	}
	ok := s.checkPassword(cur.PasswordHash, p.Password)
	if ok && prepare != nil {
		if err := prepare(); err != nil {
			return err
		}
	}
	// refusal is the error a wrong proof gets; the transaction still commits, so that the
	// failure and its audit entry are kept.
	var refusal error
	err = db.Transaction(func(tx *gorm.DB) error {
		if !ok {
			refusal = &ValidationError{Fields: map[string]string{"current": "v.current_password_wrong"}}
			return s.auditLoginFailure(tx, &cur, "current_password")
		}
		if cur.TwoFactorAt != nil {
			how, err := s.checkSecondFactor(tx, cur.ID, p.Code)
			if err != nil {
				return err
			}
			if how == "" {
				refusal = &ValidationError{Fields: map[string]string{"current_code": "v.enter_code_your_app_shows"}}
				return s.auditLoginFailure(tx, &cur, "current_code")
			}
		}
		if err := releaseAttempt(tx, attempt); err != nil {
			return err
		}
		return change(tx)
	})
	if err == nil {
		err = refusal
	}
	return err
}

// ChangePassword changes u's own password, once they prove who they are (see proveOwner)
// from address ip. Every session of theirs but keepSession (the cookie secret of the one
// asking) ends.
func (s *Store) ChangePassword(ctx context.Context, u *User, ip string, p Proof, next, keepSession string) error {
	fe := fieldErrors{}
	checkPasswordRules(fe, next)
	if err := fe.err(); err != nil {
		return err
	}
	var hash string
	prepare := func() (err error) {
		hash, err = s.hashPassword(next)
		return err
	}
	return s.proveOwner(ctx, u, ip, p, prepare, func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Update("password_hash", hash).Error; err != nil {
			return err
		}
		if err := s.audit(tx, Audit{Actor: u, Action: AuditUserPassword, Object: ObjectUser, ObjectID: u.ID, Detail: "change"}); err != nil {
			return err
		}
		return tx.Where("user_id = ? AND id <> ?", u.ID, hashToken(keepSession)).Delete(&Session{}).Error
	})
}

// Login limits: failed attempts counted over loginWindow, per account and per address.
const (
	loginWindow        = 15 * time.Minute
	maxFailsPerAccount = 5
	maxFailsPerAddress = 30
)

// LoginFailure records a failed login, so that limits hold across restarts and instances.
// A try at a password or a code is recorded before it is checked (see reserveAttempt): a row
// is a failure, or a try still being checked.
type LoginFailure struct {
	ID         uint
	AccountKey string
	IP         string
	At         time.Time
}

// reserveAttempt is the one gate of every try at an account's password or two-factor code:
// it counts the recent failures of the account (key) and of the address ip and, when both
// are under their limits, records this try as a failure, in tx. tx must be a write
// transaction: it begins IMMEDIATE on the one writer connection, which SQLite serialises
// with every other writer (other instances included), so no two tries can both see the count
// below the limit. Only then is the secret checked; a right one releases its reservation, a
// wrong one stays counted. So N tries sent at once check at most the limit's number of
// secrets. It returns the reservation's id, or 0 when a limit is reached.
func (s *Store) reserveAttempt(tx *gorm.DB, key, ip string) (uint, error) {
	since := s.now().Add(-loginWindow)
	var byAccount, byAddr int64
	if err := tx.Model(&LoginFailure{}).Where("account_key = ? AND at > ?", key, since).Count(&byAccount).Error; err != nil {
		return 0, err
	}
	if err := tx.Model(&LoginFailure{}).Where("ip = ? AND at > ?", ip, since).Count(&byAddr).Error; err != nil {
		return 0, err
	}
	if byAccount >= maxFailsPerAccount || byAddr >= maxFailsPerAddress {
		return 0, nil
	}
	f := LoginFailure{AccountKey: key, IP: ip, At: s.now()}
	if err := tx.Create(&f).Error; err != nil {
		return 0, err
	}
	return f.ID, nil
}

// releaseAttempt drops the reservation of a try that proved right.
func releaseAttempt(tx *gorm.DB, id uint) error {
	return tx.Delete(&LoginFailure{}, "id = ?", id).Error
}

// accountKey is what login failures name an account by: the hash of its normalised e-mail,
// so that the table holds no e-mail, and an unknown e-mail is counted like a known one.
func accountKey(email string) string { return hashToken(normEmail(email)) }

// dummyHash is checked against when an account does not exist, so that a wrong e-mail takes
// as long as a wrong password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3j2mvbrvRBQcFO5UYaZD3XjlRTJWwbUPNXtM0jLTM2M"

// Authenticate checks an e-mail and password from address ip. The try is reserved first
// (reserveAttempt): past the limits for the account or the address it gets ErrRateLimited
// without the password being checked. An unknown e-mail takes the same path and time.
func (s *Store) Authenticate(ctx context.Context, email, password, ip string) (*User, error) {
	key := accountKey(email)
	db := s.wdb(ctx)
	var u *User
	var attempt uint
	err := db.Transaction(func(tx *gorm.DB) error {
		var err error
		if u, err = userByEmail(tx, email); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if attempt, err = s.reserveAttempt(tx, key, ip); err != nil || attempt != 0 {
			return err
		}
		return s.auditLoginFailure(tx, u, "rate_limited")
	})
	if err != nil {
		return nil, err
	}
	if attempt == 0 {
		return nil, ErrRateLimited
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
		// The reservation stays: it is this failure.
		if err := db.Transaction(func(tx *gorm.DB) error { return s.auditLoginFailure(tx, u, reason) }); err != nil {
			return nil, err
		}
		return nil, ErrBadLogin
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		// With two-factor login only this try is released, and the failures are cleared once
		// the code is right (FinishLogin), so that a known password does not buy endless
		// guesses at codes.
		var err error
		if u.TwoFactorAt == nil {
			err = tx.Where("account_key = ?", key).Delete(&LoginFailure{}).Error
		} else {
			err = releaseAttempt(tx, attempt)
		}
		if err != nil {
			return err
		}
		return s.audit(tx, Audit{Actor: u, Action: AuditLoginOK, Object: ObjectUser, ObjectID: u.ID})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// auditLoginFailure records a refused login in tx. The log names the account when the
// e-mail was one (u), never the e-mail typed nor the password; reason is a code.
func (s *Store) auditLoginFailure(tx *gorm.DB, u *User, reason string) error {
	a := Audit{Action: AuditLoginFail, Detail: reason}
	if u != nil {
		a.Actor, a.Object, a.ObjectID = u, ObjectUser, u.ID
	}
	return s.audit(tx, a)
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

// InterfaceLanguages are the languages the interface speaks, which an account may choose.
var InterfaceLanguages = []string{"ru", "en"}

// SetLanguage records the interface language an account chose: one of InterfaceLanguages,
// or "" to follow the browser's.
func (s *Store) SetLanguage(ctx context.Context, u *User, lang string) error {
	if u == nil {
		return ErrUnauthenticated
	}
	if lang != "" && !contains(InterfaceLanguages, lang) {
		return &ValidationError{Fields: map[string]string{"language": "v.choose_language"}}
	}
	if err := s.wdb(ctx).Model(&User{}).Where("id = ?", u.ID).Update("language", lang).Error; err != nil {
		return err
	}
	u.Language = lang
	return nil
}
