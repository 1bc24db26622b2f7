package models

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

// Personal is text that identifies or describes a person: names, phone numbers, summaries,
// notes, safe-contact instructions. Every such column has this type, and this file is the one
// place it passes through on its way to and from the database: it is sealed with AES-256-GCM
// (see Keyring) when written, and opened when read. The keyring travels in the statement's
// context, which the store's database handles always carry.
//
// Personal implements GORM's serializer interface (for struct fields) and gorm.Valuer (for
// values in maps and conditions), and deliberately not driver.Valuer: there is no way to hand
// it to the database without sealing it.
type Personal string

// String returns the text.
func (p Personal) String() string { return string(p) }

// Scan opens a value read from the database (GORM's serializer interface).
func (p *Personal) Scan(ctx context.Context, field *schema.Field, dst reflect.Value, dbValue any) error {
	var sealed string
	switch v := dbValue.(type) {
	case nil:
	case string:
		sealed = v
	case []byte:
		sealed = string(v)
	default:
		return fmt.Errorf("personal: cannot read %T", dbValue)
	}
	if sealed == "" {
		*p = ""
		return nil
	}
	k, err := keysFrom(ctx)
	if err != nil {
		return err
	}
	plain, err := k.Open(sealed)
	if err != nil {
		return err
	}
	*p = Personal(plain)
	return nil
}

// Value seals a struct field's value on its way to the database (GORM's serializer interface).
func (p Personal) Value(ctx context.Context, field *schema.Field, dst reflect.Value, fieldValue any) (any, error) {
	v, _ := fieldValue.(Personal)
	return seal(ctx, string(v))
}

// GormValue seals a value used in a map of updates or a condition.
func (p Personal) GormValue(ctx context.Context, db *gorm.DB) clause.Expr {
	sealed, err := seal(ctx, string(p))
	if err != nil {
		_ = db.AddError(err)
	}
	return clause.Expr{SQL: "?", Vars: []any{sealed}}
}

func seal(ctx context.Context, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	k, err := keysFrom(ctx)
	if err != nil {
		return "", err
	}
	return k.Seal(plain)
}

// NormalizePhone reduces a phone number to its digits in international form, so that
// "+7 (916) 123-45-67" and "8 916 123 45 67" are the same number. It returns "" when what
// remains cannot be a phone number (fewer than 7 or more than 15 digits, or letters).
func NormalizePhone(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' || r == '(' || r == ')' || r == '-' || r == '.' || unicode.IsSpace(r):
		default:
			return ""
		}
	}
	d := b.String()
	d = strings.TrimPrefix(d, "00")
	// A Russian number written in the domestic form 8XXXXXXXXXX.
	if len(d) == 11 && d[0] == '8' {
		d = "7" + d[1:]
	}
	// Ten digits starting with 9: a Russian mobile without its country code.
	if len(d) == 10 && d[0] == '9' {
		d = "7" + d
	}
	if len(d) < 7 || len(d) > 15 {
		return ""
	}
	return d
}

// phoneIndex is the value stored to find a caller again by phone: the blind index (keyed
// HMAC) of the normalised number, never the number. It is empty when the phone is.
func phoneIndex(k *Keyring, phone string) string {
	n := NormalizePhone(phone)
	if n == "" {
		return ""
	}
	return k.Blind("phone", n)
}
