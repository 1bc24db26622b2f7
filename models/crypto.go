package models

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Keyring holds the keys that seal personal data. They live outside the database (a key file
// or an environment variable), so that a copy of the database alone reveals no person.
//
//   - Data keys: AES-256-GCM keys with numeric ids. Each sealed value names the key that
//     sealed it; new values are sealed with the active key. Rotation adds a key, re-seals every
//     value under it and retires the old one.
//   - The index key: an HMAC-SHA256 key for blind indexes (a caller's phone number is found by
//     the HMAC of its normalised form, never by the number itself). It is separate from the
//     data keys and is not rotated with them.
type Keyring struct {
	mu   sync.RWMutex
	path string // "" when the keys came from the environment
	// checked and modTime let a running server notice that `himoya keys rotate` changed the
	// key file, so that it seals with the new key within ReloadEvery.
	checked time.Time
	modTime time.Time
	file    keyFile
	aeads   map[uint32]cipher.AEAD
	active  uint32
	index   []byte
}

// keyFile is the key file's JSON.
type keyFile struct {
	Note     string       `json:"note"`
	Active   uint32       `json:"active"`
	Keys     []keyFileKey `json:"keys"`
	IndexKey string       `json:"index_key"`
}

type keyFileKey struct {
	ID      uint32 `json:"id"`
	Key     string `json:"key"`
	Retired bool   `json:"retired,omitempty"`
}

const keyFileNote = "himoya's encryption keys. Without this file the personal data in the database cannot be read: keep a copy somewhere safe, away from the database."

// ErrNoKeys: a sealed value was met with no keyring at hand (a programming error: personal
// data must go through the store).
var ErrNoKeys = errors.New("personal data: no keyring in context")

func newKey() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(b)
}

// NewKeyFile makes the JSON of a new key file: one data key and an index key.
func NewKeyFile() []byte {
	kf := keyFile{Note: keyFileNote, Active: 1, Keys: []keyFileKey{{ID: 1, Key: newKey()}}, IndexKey: newKey()}
	b, _ := json.MarshalIndent(kf, "", "  ")
	return append(b, '\n')
}

// ParseKeyring reads a key file's JSON.
func ParseKeyring(data []byte) (*Keyring, error) {
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		return nil, fmt.Errorf("key file: not valid JSON")
	}
	k := &Keyring{}
	if err := k.set(kf); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *Keyring) set(kf keyFile) error {
	aeads := map[uint32]cipher.AEAD{}
	for _, x := range kf.Keys {
		raw, err := base64.StdEncoding.DecodeString(x.Key)
		if err != nil || len(raw) != 32 {
			return fmt.Errorf("key file: key %d is not 32 bytes of base64", x.ID)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return err
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			return err
		}
		aeads[x.ID] = gcm
	}
	if _, ok := aeads[kf.Active]; !ok {
		return fmt.Errorf("key file: the active key %d is missing", kf.Active)
	}
	for _, x := range kf.Keys {
		if x.ID == kf.Active && x.Retired {
			return fmt.Errorf("key file: the active key %d is retired", kf.Active)
		}
	}
	idx, err := base64.StdEncoding.DecodeString(kf.IndexKey)
	if err != nil || len(idx) != 32 {
		return fmt.Errorf("key file: the index key is not 32 bytes of base64")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.file, k.aeads, k.active, k.index = kf, aeads, kf.Active, idx
	return nil
}

// LoadKeyring reads the key file at path. With create set and no file there, it writes a new
// one (mode 0600) and reports created.
func LoadKeyring(path string, create bool) (k *Keyring, created bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		data = NewKeyFile()
		if err := writeFileAtomic(path, data); err != nil {
			return nil, false, err
		}
		created = true
	} else if err != nil {
		return nil, false, fmt.Errorf("key file: %w", err)
	}
	k, err = ParseKeyring(data)
	if err != nil {
		return nil, false, err
	}
	k.path = path
	if st, err := os.Stat(path); err == nil {
		k.modTime, k.checked = st.ModTime(), time.Now()
	}
	return k, created, nil
}

// writeFileAtomic writes a file with mode 0600 through a temporary file and a rename, so that
// a crash never leaves half a key file.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".himoya-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ReloadEvery is how often a keyring looks whether its key file changed.
var ReloadEvery = 2 * time.Second

// Reload reads the key file again (after `himoya keys rotate` changed it).
func (k *Keyring) Reload() error {
	if k.path == "" {
		return nil
	}
	st, err := os.Stat(k.path)
	if err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	data, err := os.ReadFile(k.path)
	if err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		return fmt.Errorf("key file: not valid JSON")
	}
	if err := k.set(kf); err != nil {
		return err
	}
	k.mu.Lock()
	k.modTime, k.checked = st.ModTime(), time.Now()
	k.mu.Unlock()
	return nil
}

// maybeReload reloads the key file if it changed since it was last looked at.
func (k *Keyring) maybeReload() error {
	if k.path == "" {
		return nil
	}
	k.mu.RLock()
	due := time.Since(k.checked) >= ReloadEvery
	mod := k.modTime
	k.mu.RUnlock()
	if !due {
		return nil
	}
	st, err := os.Stat(k.path)
	if err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	if st.ModTime().Equal(mod) {
		k.mu.Lock()
		k.checked = time.Now()
		k.mu.Unlock()
		return nil
	}
	return k.Reload()
}

// A sealed value is "<format>.<key id>.<base64 of nonce and ciphertext>", and its format
// says how the plain text was prepared:
//
//   - hk1 (before padding): the text itself, with aadV1. Such values are still opened;
//     `himoya keys rotate` re-seals them as hk2.
//   - hk2: the text padded to a bucket size (padBucket), with aadV2, so that the length of a
//     sealed value tells only the bucket of the text's length, not the length: "Ali" and a
//     twenty-letter name in Cyrillic seal to values of the same length.
//
// Each format has its own additional data, so that a value cannot be passed off as the other
// format (an hk2 value relabelled hk1 would open with its padding, and is refused instead).
const (
	sealedV1 = "hk1."
	sealedV2 = "hk2."
	// sealedPrefix starts every value sealed now.
	sealedPrefix = sealedV2
	// sealedLike matches a sealed value of any format in SQL LIKE.
	sealedLike = "hk_.%"
)

var (
	aadV1 = []byte("himoya personal data v1")
	aadV2 = []byte("himoya personal data v2")
)

// padBucket is the length a text of n bytes is padded to, its marker byte included: 64, 128,
// 256, 512 or 1024 bytes, then the next multiple of 1024. Names, phone numbers and short
// notes all fall in the first bucket; a summary shows its length to the kilobyte at most.
func padBucket(n int) int {
	n++ // the marker
	for b := 64; b <= 1024; b *= 2 {
		if n <= b {
			return b
		}
	}
	return (n + 1023) / 1024 * 1024
}

// pad appends the marker byte 0x80 and then zero bytes up to the bucket size (ISO/IEC
// 7816-4 padding): unambiguous whatever the text, since unpad removes the zeros after the
// last 0x80 and that byte.
func pad(plain string) []byte {
	out := make([]byte, padBucket(len(plain)))
	copy(out, plain)
	out[len(plain)] = 0x80
	return out
}

// unpad undoes pad.
func unpad(b []byte) ([]byte, bool) {
	i := len(b) - 1
	for i >= 0 && b[i] == 0 {
		i--
	}
	if i < 0 || b[i] != 0x80 {
		return nil, false
	}
	return b[:i], true
}

// Seal encrypts plain with the active key, padded (format hk2). The empty string stays empty
// (erased data).
func (k *Keyring) Seal(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	if err := k.maybeReload(); err != nil {
		return "", err
	}
	k.mu.RLock()
	id, gcm := k.active, k.aeads[k.active]
	k.mu.RUnlock()
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := gcm.Seal(nonce, nonce, pad(plain), aadV2)
	return sealedV2 + strconv.FormatUint(uint64(id), 10) + "." + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal, of either format. A value under a key this keyring does
// not know makes it read the key file again once (another process may have rotated the keys).
func (k *Keyring) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	padded, id, body, ok := splitSealed(sealed)
	if !ok {
		return "", errors.New("personal data: a stored value is not sealed")
	}
	k.mu.RLock()
	gcm := k.aeads[id]
	k.mu.RUnlock()
	if gcm == nil {
		if err := k.Reload(); err != nil {
			return "", err
		}
		k.mu.RLock()
		gcm = k.aeads[id]
		k.mu.RUnlock()
		if gcm == nil {
			return "", fmt.Errorf("personal data: sealed with key %d, which the key file does not have", id)
		}
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(raw) < gcm.NonceSize() {
		return "", errors.New("personal data: a sealed value is damaged")
	}
	aad := aadV1
	if padded {
		aad = aadV2
	}
	plain, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], aad)
	if err != nil {
		return "", errors.New("personal data: a sealed value does not open with its key (damaged or wrong key file)")
	}
	if padded {
		if plain, ok = unpad(plain); !ok {
			return "", errors.New("personal data: a sealed value is damaged (its padding)")
		}
	}
	return string(plain), nil
}

// splitSealed reads a sealed value's format (padded: hk2), key id and body.
func splitSealed(s string) (padded bool, id uint32, body string, ok bool) {
	rest, v1 := strings.CutPrefix(s, sealedV1)
	if !v1 {
		if rest, ok = strings.CutPrefix(s, sealedV2); !ok {
			return false, 0, "", false
		}
	}
	idStr, body, ok := strings.Cut(rest, ".")
	if !ok {
		return false, 0, "", false
	}
	n, err := strconv.ParseUint(idStr, 10, 32)
	if err != nil {
		return false, 0, "", false
	}
	return !v1, uint32(n), body, true
}

// Blind is the blind index of s for a purpose: hex of HMAC-SHA256 under the index key.
func (k *Keyring) Blind(purpose, s string) string {
	if s == "" {
		return ""
	}
	k.mu.RLock()
	m := hmac.New(sha256.New, k.index)
	k.mu.RUnlock()
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

// ActiveKey is the id of the key new values are sealed with.
func (k *Keyring) ActiveKey() uint32 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.active
}

// KeyIDs lists the ids of the keys, retired ones included.
func (k *Keyring) KeyIDs() []uint32 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	var ids []uint32
	for id := range k.aeads {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

type keyringKey struct{}

// withKeys puts the keyring into a context: the store's database handles carry it, and
// Personal finds it there on its way to and from the database.
func withKeys(ctx context.Context, k *Keyring) context.Context {
	return context.WithValue(ctx, keyringKey{}, k)
}

func keysFrom(ctx context.Context) (*Keyring, error) {
	if ctx == nil {
		return nil, ErrNoKeys
	}
	k, _ := ctx.Value(keyringKey{}).(*Keyring)
	if k == nil {
		return nil, ErrNoKeys
	}
	return k, nil
}

// rotate adds a new data key, makes it the active one and marks the others retired (they stay
// in the file, never used to seal again, so that no value can become unreadable), then writes
// the key file. It returns the new key's id.
func (k *Keyring) rotate() (uint32, error) {
	if k.path == "" {
		return 0, errors.New("the keys come from HIMOYA_KEY, not a file: rotate them in a key file and pass its new content")
	}
	if err := k.Reload(); err != nil {
		return 0, err
	}
	k.mu.RLock()
	kf := k.file
	k.mu.RUnlock()
	var next uint32
	keys := make([]keyFileKey, 0, len(kf.Keys)+1)
	for _, x := range kf.Keys {
		next = max(next, x.ID)
		x.Retired = true
		keys = append(keys, x)
	}
	next++
	kf.Keys = append(keys, keyFileKey{ID: next, Key: newKey()})
	kf.Active = next
	kf.Note = keyFileNote
	data, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return 0, err
	}
	if err := writeFileAtomic(k.path, append(data, '\n')); err != nil {
		return 0, err
	}
	return next, k.Reload()
}
