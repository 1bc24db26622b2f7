package models

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// keyFileJSON writes a key file's JSON from its parts.
func keyFileJSON(t *testing.T, kf keyFile) []byte {
	t.Helper()
	b, err := json.Marshal(kf)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKeyFileRefused: a key file that could seal nothing, or that would seal with a retired
// key, is refused with an error naming the key file; a retired key beside an active one is
// fine.
func TestKeyFileRefused(t *testing.T) {
	key, idx := newKey(), newKey()
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	for _, tc := range []struct {
		name string
		kf   keyFile
		ok   bool
	}{
		{"good", keyFile{Active: 1, Keys: []keyFileKey{{ID: 1, Key: key}}, IndexKey: idx}, true},
		{"a retired key beside the active one", keyFile{Active: 2, Keys: []keyFileKey{{ID: 1, Key: key, Retired: true}, {ID: 2, Key: newKey()}}, IndexKey: idx}, true},
		{"a key not base64", keyFile{Active: 1, Keys: []keyFileKey{{ID: 1, Key: "not base64!"}}, IndexKey: idx}, false},
		{"a key of 16 bytes", keyFile{Active: 1, Keys: []keyFileKey{{ID: 1, Key: short}}, IndexKey: idx}, false},
		{"no active key", keyFile{Active: 2, Keys: []keyFileKey{{ID: 1, Key: key}}, IndexKey: idx}, false},
		{"no keys", keyFile{Active: 1, IndexKey: idx}, false},
		{"the active key retired", keyFile{Active: 1, Keys: []keyFileKey{{ID: 1, Key: key, Retired: true}}, IndexKey: idx}, false},
		{"no index key", keyFile{Active: 1, Keys: []keyFileKey{{ID: 1, Key: key}}}, false},
		{"an index key of 16 bytes", keyFile{Active: 1, Keys: []keyFileKey{{ID: 1, Key: key}}, IndexKey: short}, false},
		{"an index key not base64", keyFile{Active: 1, Keys: []keyFileKey{{ID: 1, Key: key}}, IndexKey: "%%%"}, false},
	} {
		k, err := ParseKeyring(keyFileJSON(t, tc.kf))
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.ok:
			if k.ActiveKey() != tc.kf.Active {
				t.Errorf("%s: active key %d, want %d", tc.name, k.ActiveKey(), tc.kf.Active)
			}
		case err == nil || !strings.Contains(err.Error(), "key file"):
			t.Errorf("%s: %v, want an error about the key file", tc.name, err)
		}
	}
	if _, err := ParseKeyring([]byte("{not json")); err == nil || !strings.Contains(err.Error(), "key file") {
		t.Errorf("not JSON: %v", err)
	}
}

// TestSealRoundTrip: every text comes back as it went in; the sealed form never shows it and
// differs each time; the empty text stays empty (erased data).
func TestSealRoundTrip(t *testing.T) {
	k, err := ParseKeyring(NewKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"a", "Фаррух Назаров", "+992 93 111 22 33", "tab\tnew line\nzero\x00byte", strings.Repeat("раз два ", 2000)} {
		a, err := k.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := k.Seal(plain)
		// (Only "a" could be part of base64 by chance: the others have characters it lacks.)
		if a == b || (len(plain) > 1 && strings.Contains(a, plain)) {
			t.Errorf("%.20q sealed as %.40q and %.40q", plain, a, b)
		}
		for _, sealed := range []string{a, b} {
			if got, err := k.Open(sealed); err != nil || got != plain {
				t.Errorf("%.20q opened as %.20q, %v", plain, got, err)
			}
		}
	}
	if sealed, err := k.Seal(""); sealed != "" || err != nil {
		t.Errorf("the empty text sealed as %q, %v", sealed, err)
	}
	if plain, err := k.Open(""); plain != "" || err != nil {
		t.Errorf("the empty value opened as %q, %v", plain, err)
	}
}

// TestOpenRefusesTamperedValues: a sealed value changed in any way, cut short, made up, or
// sealed with another key does not open.
func TestOpenRefusesTamperedValues(t *testing.T) {
	k, _ := ParseKeyring(NewKeyFile())
	sealed, err := k.Seal("Фаррух")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 {
		t.Fatalf("sealed value %q has not the form version.key.body", sealed)
	}
	head, body := parts[0]+"."+parts[1]+".", parts[2]
	bad := map[string]string{
		"plain text":              "Фаррух",
		"no key id":               parts[0] + "." + body,
		"a key id not a number":   parts[0] + ".one." + body,
		"a key id too large":      parts[0] + ".4294967296." + body,
		"an unknown key id":       parts[0] + ".7." + body,
		"a body not base64":       head + "!!" + body[2:],
		"a body shorter than one": head + base64.RawStdEncoding.EncodeToString([]byte("short")),
		"cut short":               head + body[:len(body)-4],
		"lengthened":              head + body + "AAAA",
		"another version":         "hk0." + parts[1] + "." + body,
	}
	// Every character of the body but the last (whose low bits base64 may not use).
	for i := 0; i < len(body)-1; i++ {
		c := byte('A')
		if body[i] == c {
			c = 'B'
		}
		bad[fmt.Sprintf("character %d changed", i)] = head + body[:i] + string(c) + body[i+1:]
	}
	for name, v := range bad {
		if plain, err := k.Open(v); err == nil {
			t.Errorf("%s: opened as %q", name, plain)
		}
	}
	other, _ := ParseKeyring(NewKeyFile())
	if _, err := other.Open(sealed); err == nil {
		t.Error("another key file's keyring opened the value")
	}
}

// TestKeyFileLifecycle: a key file is made when asked (private), read again by another
// process, rotated (new values under the new key, old ones still open), and a running
// keyring notices the rotation within ReloadEvery, not before.
func TestKeyFileLifecycle(t *testing.T) {
	old := ReloadEvery
	defer func() { ReloadEvery = old }()
	dir := filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "himoya.key")
	if _, _, err := LoadKeyring(path, false); err == nil || !strings.Contains(err.Error(), "key file") {
		t.Fatalf("no key file, not asked to make one: %v", err)
	}
	k, created, err := LoadKeyring(path, true)
	if err != nil || !created {
		t.Fatalf("making the key file: %v %v", created, err)
	}
	for p, mode := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != mode {
			t.Fatalf("%s: %v %v, want mode %v", p, st.Mode().Perm(), err, mode)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".himoya-key-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	ReloadEvery = time.Hour
	running, created, err := LoadKeyring(path, true)
	if err != nil || created {
		t.Fatalf("reading the key file again: %v %v", created, err)
	}
	v1, _ := k.Seal("before")
	if got, err := running.Open(v1); err != nil || got != "before" {
		t.Fatalf("another process's keyring: %q %v", got, err)
	}

	// `himoya keys rotate`, twice.
	for want := uint32(2); want <= 3; want++ {
		id, err := k.rotate()
		if err != nil || id != want || k.ActiveKey() != want {
			t.Fatalf("rotation: key %d (%v), active %d, want %d", id, err, k.ActiveKey(), want)
		}
	}
	if got := fmt.Sprint(k.KeyIDs()); got != "[1 2 3]" {
		t.Errorf("key ids %s", got)
	}
	var kf keyFile
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &kf); err != nil || kf.Active != 3 || len(kf.Keys) != 3 || !kf.Keys[0].Retired || !kf.Keys[1].Retired || kf.Keys[2].Retired {
		t.Fatalf("key file after two rotations: %v %+v", err, kf)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode after rotation %v", st.Mode().Perm())
	}
	v3, _ := k.Seal("after")
	if got, err := k.Open(v1); err != nil || got != "before" {
		t.Fatalf("a value under a retired key: %q %v", got, err)
	}

	// The running keyring seals with its key until ReloadEvery has passed...
	sealedWith := func(kr *Keyring) string {
		v, err := kr.Seal("x")
		if err != nil {
			t.Fatal(err)
		}
		return strings.SplitN(v, ".", 3)[1]
	}
	if id := sealedWith(running); id != "1" {
		t.Errorf("sealed with key %s before ReloadEvery", id)
	}
	// ...but opens a value under a key it does not know by reading the file again...
	if got, err := running.Open(v3); err != nil || got != "after" {
		t.Fatalf("a value under a newer key: %q %v", got, err)
	}
	if running.ActiveKey() != 3 {
		t.Errorf("after reading the file again, active key %d", running.ActiveKey())
	}
	// ...and a keyring past ReloadEvery notices the new file by itself. (The file is dated
	// an hour back first: a file's time can be coarser than two writes in a test.)
	ReloadEvery = time.Hour
	hourAgo := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
	idle, _, err := LoadKeyring(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.rotate(); err != nil {
		t.Fatal(err)
	}
	if id := sealedWith(idle); id != "3" {
		t.Errorf("sealed with key %s before ReloadEvery, want 3", id)
	}
	ReloadEvery = 0
	if id := sealedWith(idle); id != "4" {
		t.Errorf("sealed with key %s after ReloadEvery, want 4", id)
	}
	if id := sealedWith(idle); id != "4" {
		t.Errorf("sealed with key %s with the file unchanged, want 4", id)
	}

	// A key file that went bad is reported, not half read.
	if err := os.WriteFile(path, []byte("{broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := idle.Reload(); err == nil || !strings.Contains(err.Error(), "key file") {
		t.Errorf("reloading a broken key file: %v", err)
	}
	if err := os.WriteFile(path, keyFileJSON(t, keyFile{Active: 9, Keys: []keyFileKey{{ID: 1, Key: newKey()}}, IndexKey: newKey()}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := idle.Reload(); err == nil || !strings.Contains(err.Error(), "active key 9") {
		t.Errorf("reloading a key file without its active key: %v", err)
	}
	if _, _, err := LoadKeyring(path, true); err == nil {
		t.Error("a broken key file was read")
	}
	if got, err := idle.Open(v3); err != nil || got != "after" {
		t.Errorf("after a failed reload the keys are gone: %q %v", got, err)
	}
}

// TestKeysFromTheEnvironment: keys given as the file's content (HIMOYA_KEY) have no file to
// read again or to rotate.
func TestKeysFromTheEnvironment(t *testing.T) {
	k, err := ParseKeyring(NewKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Reload(); err != nil {
		t.Errorf("reload: %v", err)
	}
	if _, err := k.rotate(); err == nil || !strings.Contains(err.Error(), "HIMOYA_KEY") {
		t.Errorf("rotate: %v", err)
	}
	if got := fmt.Sprint(k.KeyIDs()); got != "[1]" || k.ActiveKey() != 1 {
		t.Errorf("keys %s, active %d", got, k.ActiveKey())
	}
	// A value under a key it does not have cannot be opened (and no file is read for it).
	other, _ := ParseKeyring(keyFileJSON(t, keyFile{Active: 2, Keys: []keyFileKey{{ID: 2, Key: newKey()}}, IndexKey: newKey()}))
	v, _ := other.Seal("x")
	if _, err := k.Open(v); err == nil || !strings.Contains(err.Error(), "key 2") {
		t.Errorf("a value under an unknown key: %v", err)
	}
}

// TestPersonalNeedsItsKeys: personal text reaches the database only sealed, and is read
// only with the keys; without them it is an error, never the text.
func TestPersonalNeedsItsKeys(t *testing.T) {
	k, _ := ParseKeyring(NewKeyFile())
	ctx := withKeys(context.Background(), k)
	bare := context.Background()
	var noCtx context.Context
	for _, c := range []context.Context{noCtx, bare} {
		if _, err := keysFrom(c); !errors.Is(err, ErrNoKeys) {
			t.Errorf("keys from a context without them: %v", err)
		}
	}
	if got, err := keysFrom(ctx); err != nil || got != k {
		t.Fatalf("keys from the store's context: %v", err)
	}

	v, err := Personal("Фаррух").Value(ctx, nil, reflect.Value{}, Personal("Фаррух"))
	sealed, _ := v.(string)
	if err != nil || sealed == "" || strings.Contains(sealed, "Фаррух") {
		t.Fatalf("sealed as %q, %v", sealed, err)
	}
	if _, err := Personal("x").Value(bare, nil, reflect.Value{}, Personal("x")); !errors.Is(err, ErrNoKeys) {
		t.Errorf("sealing without keys: %v", err)
	}
	if v, err := Personal("").Value(bare, nil, reflect.Value{}, Personal("")); v != "" || err != nil {
		t.Errorf("the empty text without keys: %q %v", v, err)
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		db   any
		want string
		ok   bool
	}{
		{"text", ctx, sealed, "Фаррух", true},
		{"bytes", ctx, []byte(sealed), "Фаррух", true},
		{"NULL", ctx, nil, "", true},
		{"empty", bare, "", "", true},
		{"a number", ctx, 42, "", false},
		{"no keys", bare, sealed, "", false},
		{"damaged", ctx, sealed[:len(sealed)-8], "", false},
		{"not sealed", ctx, "Фаррух", "", false},
	} {
		p := Personal("left over")
		err := p.Scan(tc.ctx, nil, reflect.Value{}, tc.db)
		if tc.ok && (err != nil || string(p) != tc.want) {
			t.Errorf("%s: read %q, %v", tc.name, p, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s: read %q without an error", tc.name, p)
		}
	}
	if phoneIndex(k, "") != "" || phoneIndex(k, "call me") != "" {
		t.Error("a blind index of no phone number")
	}
	if phoneIndex(k, "8 916 123-45-67") != phoneIndex(k, "+79161234567") || phoneIndex(k, "+79161234567") == k.Blind("name", "79161234567") {
		t.Error("the phone's blind index does not follow the normalised number and its purpose")
	}
	if k.Blind("phone", "") != "" {
		t.Error("a blind index of the empty string")
	}
}

func TestNormalizePhoneBounds(t *testing.T) {
	for in, want := range map[string]string{
		"123456":            "",
		"1234567":           "1234567",
		"123456789012345":   "123456789012345",
		"1234567890123456":  "",
		"8916123456":        "8916123456",  // ten digits, not a mobile without its code
		"7916123456":        "7916123456",  // ten digits starting with 7
		"91612345678":       "91612345678", // eleven digits starting with 9
		"79161234567":       "79161234567",
		"0079161234567":     "79161234567",
		"(916) 123.45.67":   "79161234567",
		"+7 916 123 45 67a": "",
	} {
		if got := NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPersonalInUpdatesIsSealed: personal text in a map of updates is sealed like a field's;
// without the keys the update fails and the stored text stays as it was (never erased, never
// written in clear).
func TestPersonalInUpdatesIsSealed(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	cs := mkCase(t, s, sup)
	update := func(db *gorm.DB, text string) error {
		return db.Model(&Case{}).Where("id = ?", cs.ID).Updates(map[string]any{"summary": Personal(text)}).Error
	}
	summary := func() (string, string) {
		t.Helper()
		got, err := s.GetCase(ctx, sup, cs.ID)
		if err != nil {
			t.Fatal(err)
		}
		var raw string
		if err := s.db.Raw("SELECT summary FROM cases WHERE id = ?", cs.ID).Scan(&raw).Error; err != nil {
			t.Fatal(err)
		}
		return string(got.Summary), raw
	}
	if err := update(s.db.WithContext(ctx), "written without keys"); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("an update without the keys: %v, want ErrNoKeys", err)
	}
	if got, raw := summary(); got != "raid at the market" || raw == "" {
		t.Fatalf("after a refused update: %q (stored %q)", got, raw)
	}
	if err := update(s.wdb(ctx), "detained at the station"); err != nil {
		t.Fatal(err)
	}
	if got, raw := summary(); got != "detained at the station" || strings.Contains(raw, "station") {
		t.Fatalf("after an update: %q (stored %q)", got, raw)
	}
}
