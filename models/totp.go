package models

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Two-factor login: a time-based one-time password (TOTP, RFC 6238: six digits, 30-second
// steps, HMAC-SHA1, what every authenticator app speaks), with ten one-time recovery codes
// for a lost phone. Supervisors and admins must use it (Store.TwoFactorFrom); everyone may.
//
// The secret is sealed like personal data (AES-256-GCM under the key file), so a copy of the
// database alone cannot make codes. Each code is accepted once: the last step used is kept,
// and a code of that step or an earlier one is refused, so that a code seen over a shoulder
// or in a proxy's log cannot be replayed within its window.

// TOTP parameters.
const (
	totpPeriod = 30
	// totpSkew accepts the code of the step before and the step after, for phones whose
	// clock is a little off.
	totpSkew          = 1
	totpIssuer        = "himoya"
	recoveryCodeCount = 10
	// pendingLoginAge bounds the time between the password and the code.
	pendingLoginAge = 5 * time.Minute
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Audit actions of two-factor login and sessions.
const (
	AuditTwoFactorEnrol = "user.2fa_enrol"
	AuditTwoFactorReset = "user.2fa_reset"
	AuditLogin2FAOK     = "login.2fa_success"
	AuditLogin2FAFail   = "login.2fa_failure"
	AuditSessionEnd     = "session.end"
	AuditSessionsEnd    = "user.sessions_end"
)

// ErrBadCode: the second-factor code is wrong, or was already used.
var ErrBadCode = errors.New("wrong code, or a code already used: enter the code your app shows now, or one of your recovery codes")

// TwoFactor is an account's TOTP secret. Secret is the confirmed one ("" until enrolment is
// confirmed); Pending is the one shown on the enrolment page and not yet confirmed by a
// code. Both are sealed. LastStep is the time step of the last code accepted.
type TwoFactor struct {
	UserID    uint `gorm:"primaryKey;autoIncrement:false"`
	Secret    Personal
	Pending   Personal
	LastStep  int64
	UpdatedAt time.Time
}

// RecoveryCode is one of an account's one-time recovery codes: only its keyed hash is kept.
type RecoveryCode struct {
	ID        uint
	UserID    uint
	Hash      string
	UsedAt    *time.Time
	CreatedAt time.Time
}

// TwoFactorRequired reports whether u must log in with a second factor: when u's role ranks
// at or above TwoFactorFrom (by default supervisors and admins, whether or not they are
// also supervisors).
func (s *Store) TwoFactorRequired(u *User) bool {
	from := s.TwoFactorFrom
	if from == "" {
		from = RoleSupervisor
	}
	return u != nil && from.rank() > 0 && u.Role.rank() >= from.rank()
}

// MustEnrolTwoFactor reports whether u must set up two-factor login before anything else.
func (s *Store) MustEnrolTwoFactor(u *User) bool {
	return u != nil && u.TwoFactorAt == nil && s.TwoFactorRequired(u)
}

// Enrolment is what the two-factor page shows: whether it is on, and a secret to set up (or
// to replace the current one with), as text and as the otpauth:// address an authenticator
// app scans (views.QRCodePNG draws it).
type Enrolment struct {
	Enabled      bool
	Required     bool
	RecoveryLeft int64
	// Secret is the pending secret in base32, for typing into an app by hand.
	Secret string
	// OTPAuthURL is the otpauth:// address of the pending secret, issuer and account.
	OTPAuthURL string
}

// StartEnrolment returns u's two-factor state and a pending secret to set up: the one already
// pending, so that reloading the page keeps the QR code that may have been scanned, or a new
// one.
func (s *Store) StartEnrolment(ctx context.Context, u *User) (*Enrolment, error) {
	en := &Enrolment{Enabled: u.TwoFactorAt != nil, Required: s.TwoFactorRequired(u)}
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		var tf TwoFactor
		if err := tx.Where("user_id = ?", u.ID).Limit(1).Find(&tf).Error; err != nil {
			return err
		}
		if tf.Pending == "" {
			key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email, Period: totpPeriod,
				Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
			if err != nil {
				return err
			}
			tf.UserID, tf.Pending, tf.UpdatedAt = u.ID, Personal(key.Secret()), s.now()
			err = tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}},
				DoUpdates: clause.AssignmentColumns([]string{"pending", "updated_at"})}).Create(&tf).Error
			if err != nil {
				return err
			}
		}
		en.Secret = string(tf.Pending)
		return tx.Model(&RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", u.ID).Count(&en.RecoveryLeft).Error
	})
	if err != nil {
		return nil, err
	}
	en.OTPAuthURL, err = otpauthURL(u.Email, en.Secret)
	return en, err
}

// otpauthURL is the otpauth:// address of a base32 secret for account.
func otpauthURL(account, secret string) (string, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return "", err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: account, Period: totpPeriod,
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", err
	}
	return key.String(), nil
}

// ConfirmEnrolment turns two-factor login on for u (or replaces their authenticator) once
// they type a code made from the pending secret, and prove who they are (p: their password,
// and a code of the current authenticator when it is on; see proveOwner) from address ip. It
// returns the new recovery codes, which replace any earlier ones and are shown this once:
// only their keyed hashes are kept.
func (s *Store) ConfirmEnrolment(ctx context.Context, u *User, ip string, p Proof, code string) ([]string, error) {
	// The new code is checked first, and again in the transaction: a mistyped one is no
	// try at the account's credentials, and must not count as one.
	pendingStep := func(tx *gorm.DB) (int64, Personal, error) {
		var tf TwoFactor
		if err := tx.Where("user_id = ?", u.ID).Limit(1).Find(&tf).Error; err != nil {
			return 0, "", err
		}
		if tf.Pending == "" {
			return 0, "", &ValidationError{Fields: map[string]string{"code": "v.this_set_up_has_expired"}}
		}
		step, ok := checkTOTP(string(tf.Pending), normCode(code), s.now(), 0)
		if !ok {
			return 0, "", &ValidationError{Fields: map[string]string{"code": "v.that_code_does_not_match"}}
		}
		return step, tf.Pending, nil
	}
	if _, _, err := pendingStep(s.rdb(ctx)); err != nil {
		return nil, err
	}
	var codes []string
	err := s.proveOwner(ctx, u, ip, p, nil, func(tx *gorm.DB) error {
		step, pending, err := pendingStep(tx)
		if err != nil {
			return err
		}
		now := s.now()
		err = tx.Model(&TwoFactor{}).Where("user_id = ?", u.ID).Updates(map[string]any{
			"secret": pending, "pending": "", "last_step": step, "updated_at": now}).Error
		if err != nil {
			return err
		}
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Update("two_factor_at", now).Error; err != nil {
			return err
		}
		if codes, err = s.newRecoveryCodes(tx, u.ID); err != nil {
			return err
		}
		detail := "enrol"
		if u.TwoFactorAt != nil {
			detail = "replace"
		}
		return s.audit(tx, Audit{Actor: u, Action: AuditTwoFactorEnrol, Object: ObjectUser, ObjectID: u.ID, Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	u.TwoFactorAt = &now
	return codes, nil
}

// newRecoveryCodes replaces u's recovery codes with recoveryCodeCount new ones.
func (s *Store) newRecoveryCodes(tx *gorm.DB, userID uint) ([]string, error) {
	if err := tx.Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCodeCount)
	rows := make([]RecoveryCode, recoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		rows[i] = RecoveryCode{UserID: userID, Hash: s.recoveryHash(codes[i]), CreatedAt: s.now()}
	}
	return codes, tx.Create(&rows).Error
}

// recoveryAlphabet leaves out letters and digits that are easily confused (0/o, 1/l/i).
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCode makes a code of 12 characters (about 59 bits), written xxxx-xxxx-xxxx.
func newRecoveryCode() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	var sb strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		// 256 is not a multiple of 31: the first 8 letters come up 1/256 more often than
		// the others, which costs a fraction of a bit over the 12 characters.
		sb.WriteByte(recoveryAlphabet[int(x)%len(recoveryAlphabet)])
	}
	return sb.String()
}

// recoveryHash is what is stored of a recovery code: the HMAC-SHA256 of its normalised form
// under the index key of the key file, so that the database alone does not allow guessing
// codes offline.
func (s *Store) recoveryHash(code string) string { return s.keys.Blind("recovery", normCode(code)) }

// normCode drops the spaces and dashes people type in codes, and folds case.
func normCode(code string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(strings.TrimSpace(code)))
}

// checkTOTP checks a six-digit code against secret at now, with totpSkew steps either side.
// Only steps after lastStep count, so that no code is accepted twice. It returns the step
// that matched.
func checkTOTP(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := cur + d
		if step <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// checkSecondFactor checks a TOTP code or a recovery code of u inside tx, and uses it up: the
// TOTP step is recorded, the recovery code marked used. It returns how the code matched
// ("totp" or "recovery"), or "" when it did not.
func (s *Store) checkSecondFactor(tx *gorm.DB, userID uint, code string) (string, error) {
	code = normCode(code)
	var tf TwoFactor
	if err := tx.Where("user_id = ?", userID).Limit(1).Find(&tf).Error; err != nil {
		return "", err
	}
	if tf.Secret == "" {
		return "", nil
	}
	if step, ok := checkTOTP(string(tf.Secret), code, s.now(), tf.LastStep); ok {
		// The condition makes two logins racing with the same code use it once.
		res := tx.Model(&TwoFactor{}).Where("user_id = ? AND last_step < ?", userID, step).Update("last_step", step)
		if res.Error != nil || res.RowsAffected == 0 {
			return "", res.Error
		}
		return "totp", nil
	}
	if len(code) != 12 {
		return "", nil
	}
	res := tx.Model(&RecoveryCode{}).Where("user_id = ? AND hash = ? AND used_at IS NULL", userID, s.recoveryHash(code)).
		Update("used_at", s.now())
	if res.Error != nil || res.RowsAffected == 0 {
		return "", res.Error
	}
	return "recovery", nil
}

// ResetTwoFactor turns off an account's two-factor login and ends its sessions, for a person
// who lost their phone and their recovery codes: another admin does it (actor; see
// adminActsOn), or the command line (actor nil), for an organisation whose only admin is
// locked out. An account that must use it sets it up again at its next login.
func (s *Store) ResetTwoFactor(ctx context.Context, actor *User, id uint) error {
	if err := adminActsOn(actor, id); err != nil {
		return err
	}
	return s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		var u User
		if err := tx.First(&u, id).Error; err != nil {
			return translate(err)
		}
		if err := tx.Where("user_id = ?", id).Delete(&TwoFactor{}).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", id).Delete(&RecoveryCode{}).Error; err != nil {
			return err
		}
		if err := tx.Model(&User{}).Where("id = ?", id).Update("two_factor_at", nil).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", id).Delete(&Session{}).Error; err != nil {
			return err
		}
		return s.audit(tx, Audit{Actor: actor, Action: AuditTwoFactorReset, Object: ObjectUser, ObjectID: id})
	})
}
