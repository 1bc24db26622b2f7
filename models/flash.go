package models

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// NoteSealer seals the short notes a browser carries from one page to the next (the message
// shown after a form was saved), so that the text — which can hold an account's name — never
// travels in a response header as itself: the browser holds an opaque, authenticated value
// it can neither read nor forge, and no text a user typed can inject a header.
type NoteSealer struct {
	aead cipher.AEAD
	now  func() time.Time
}

// noteTTL bounds how long a sealed note is accepted.
const noteTTL = 2 * time.Minute

// NoteSealer returns the sealer of notes, keyed by a secret of the database's own.
func (s *Store) NoteSealer(ctx context.Context) (*NoteSealer, error) {
	k, err := s.secret(ctx, "flash")
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &NoteSealer{aead: aead, now: s.now}, nil
}

// Seal returns msg sealed, as URL-safe base64 (cookie-safe: no separators, no spaces).
func (n *NoteSealer) Seal(msg string) string {
	nonce := make([]byte, n.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return ""
	}
	plain := strconv.FormatInt(n.now().Unix(), 10) + "\x00" + msg
	return base64.RawURLEncoding.EncodeToString(n.aead.Seal(nonce, nonce, []byte(plain), []byte("note")))
}

// Open returns the message Seal sealed in v, if v is authentic and recent.
func (n *NoteSealer) Open(v string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) < n.aead.NonceSize() {
		return "", false
	}
	plain, err := n.aead.Open(nil, b[:n.aead.NonceSize()], b[n.aead.NonceSize():], []byte("note"))
	if err != nil {
		return "", false
	}
	ts, msg, ok := strings.Cut(string(plain), "\x00")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || n.now().Sub(time.Unix(sec, 0)) > noteTTL {
		return "", false
	}
	return msg, true
}
