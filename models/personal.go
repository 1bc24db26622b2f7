package models

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"unicode"
)

// Personal is text that identifies or describes a person: names, phone numbers, summaries,
// notes, safe-contact instructions. Every such column has this type, so that all personal data
// passes through Value and Scan on its way to and from the database: this is the one place
// where it will be sealed and opened when encryption at rest is added.
type Personal string

// Value stores the text.
func (p Personal) Value() (driver.Value, error) { return string(p), nil }

// Scan reads the text back.
func (p *Personal) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*p = ""
	case string:
		*p = Personal(x)
	case []byte:
		*p = Personal(x)
	default:
		return fmt.Errorf("personal: cannot scan %T", v)
	}
	return nil
}

// String returns the text.
func (p Personal) String() string { return string(p) }

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

// phoneIndex is the value stored to find a caller again by phone. It is the one place that
// decides it, so that a keyed blind index can replace the plain normalised number later.
func phoneIndex(phone string) string {
	return NormalizePhone(phone)
}
