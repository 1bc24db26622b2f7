package models

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestKeyFileCreatedPrivate(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), Options{Path: filepath.Join(dir, "hotline.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := os.Stat(filepath.Join(dir, "hotline.key"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 || !s.KeyFileCreated {
		t.Fatalf("key file mode %v, created %v", st.Mode().Perm(), s.KeyFileCreated)
	}
}

func TestSealOpen(t *testing.T) {
	k, err := ParseKeyring(NewKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := k.Seal("Фаррух")
	b, _ := k.Seal("Фаррух")
	if a == b || !strings.HasPrefix(a, "hk2.1.") || strings.Contains(a, "Фаррух") {
		t.Fatalf("sealed %q %q", a, b)
	}
	if p, err := k.Open(a); err != nil || p != "Фаррух" {
		t.Fatalf("open: %q %v", p, err)
	}
	tampered := a[:len(a)-2] + "AA"
	if _, err := k.Open(tampered); err == nil {
		t.Fatal("a tampered value opened")
	}
	other, _ := ParseKeyring(NewKeyFile())
	if _, err := other.Open(a); err == nil {
		t.Fatal("another keyring opened the value")
	}
	if k.Blind("phone", "79161234567") == other.Blind("phone", "79161234567") || k.Blind("phone", "7916") == k.Blind("name", "7916") {
		t.Fatal("blind indexes do not depend on the key and purpose")
	}
}

func TestWrongKeyFileRefused(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "himoya.db")
	s, err := Open(context.Background(), Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// The key file is lost and a new one would be made: himoya must refuse the database.
	os.Rename(filepath.Join(dir, "himoya.key"), filepath.Join(dir, "saved.key"))
	if _, err := Open(context.Background(), Options{Path: db}); err == nil || !strings.Contains(err.Error(), "key file") {
		t.Fatalf("opened with a new key file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "himoya.key")); err == nil {
		t.Fatal("a useless key file was left behind")
	}
	s, err = Open(context.Background(), Options{Path: db, KeyFile: filepath.Join(dir, "saved.key")})
	if err != nil {
		t.Fatalf("with the right key file: %v", err)
	}
	s.Close()
}

// TestRotateKeysWhileServing rotates the keys while another store (a running server, with
// its own copy of the keyring) keeps saving calls; afterwards every value is sealed with the
// new key and reads back.
func TestRotateKeysWhileServing(t *testing.T) {
	old := ReloadEvery
	ReloadEvery = 100 * time.Millisecond
	defer func() { ReloadEvery = old }()
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "himoya.db")
	server, err := Open(ctx, Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	cw := mkUser(t, server, "cw@example.org", RoleCaseworker)
	for i := 0; i < 30; i++ {
		if _, err := server.CreateCase(ctx, cw, IntakeInput{Channel: "phone", Caller: CallerInput{Name: "Sharif", Phone: "+79161234567"},
			CaseFields: CaseFields{Category: "raid", Summary: "hid in the kiosk during the raid"}}); err != nil {
			t.Fatal(err)
		}
	}
	// A pending two-factor secret is sealed too, and must move to the new key.
	if _, err := server.StartEnrolment(ctx, cw); err != nil {
		t.Fatal(err)
	}
	cli, err := Open(ctx, Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	written := 0
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := server.CreateCase(ctx, cw, IntakeInput{Channel: "phone", Caller: CallerInput{Name: "Karim"},
				CaseFields: CaseFields{Category: "raid", Summary: "written during the rotation"}}); err != nil {
				t.Error(err)
				return
			}
			written++
			time.Sleep(5 * time.Millisecond)
		}
	}()
	rep, err := cli.RotateKeys(ctx, nil)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if rep.NewKey != 2 || rep.Resealed < 60 || written == 0 {
		t.Fatalf("report %+v, %d written during it", rep, written)
	}
	for _, pc := range sealedColumns() {
		var n int64
		cli.db.Table(pc.table).Where(pc.column + " <> '' AND " + pc.column + " NOT LIKE 'hk2.2.%'").Count(&n)
		if n != 0 {
			t.Errorf("%s.%s: %d values not under the new key", pc.table, pc.column, n)
		}
	}
	var pending int64
	cli.db.Table("two_factors").Where("pending LIKE 'hk2.2.%'").Count(&pending)
	if pending != 1 {
		t.Errorf("the pending TOTP secret was not re-sealed")
	}
	p, err := server.ListCases(ctx, cw, CaseFilter{Q: "kiosk", PerPage: 100})
	if err != nil || p.Total != 30 {
		t.Fatalf("search after rotation: %v %v", p, err)
	}
	var kf keyFile
	data, _ := os.ReadFile(filepath.Join(dir, "himoya.key"))
	json.Unmarshal(data, &kf)
	if kf.Active != 2 || len(kf.Keys) != 2 || !kf.Keys[0].Retired || kf.Keys[1].Retired {
		t.Fatalf("key file after rotation: active %d keys %+v", kf.Active, kf.Keys)
	}
	// The phone lookup (blind index, not rotated) still finds the caller.
	if ms, err := server.FindCallers(ctx, cw, "89161234567"); err != nil || len(ms) == 0 {
		t.Fatalf("phone lookup after rotation: %v %v", ms, err)
	}
}

// TestNoPersonalDataInTheFile writes known names, phones and texts and then reads the bytes of
// the database and its WAL: none of them may appear.
func TestNoPersonalDataInTheFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "himoya.db")
	s, err := Open(ctx, Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	secrets := []string{"Izzatullo Kholov", "992931112233", "+992 93 111 22 33", "abducted near the embassy", "only after 8pm via Signal", "lawyer Ivanova visited", "Dushanbe relatives threatened", "Фарход Назаров", "задержан на рынке"}
	cs, err := s.CreateCase(ctx, cw, IntakeInput{Channel: "phone",
		Caller:     CallerInput{Name: secrets[0], Phone: secrets[2], SafeContact: secrets[4]},
		CaseFields: CaseFields{Category: "forced_return", Summary: secrets[3] + "; " + secrets[8]}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddNote(ctx, cw, cs.ID, secrets[5]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LogContact(ctx, cw, ContactInput{Channel: "whatsapp", CaseID: &cs.ID, Summary: secrets[6], Caller: CallerInput{Name: secrets[7]}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition(ctx, cw, cs.ID, TransitionInput{To: "assigned", AssigneeID: cw.ID, Note: secrets[5]}); err != nil {
		t.Fatal(err)
	}
	// Everything reads back.
	got, err := s.GetCase(ctx, cw, cs.ID)
	if err != nil || got.Caller.Name != Personal(secrets[0]) || got.Contacts[1].Summary != Personal(secrets[6]) {
		t.Fatalf("read back: %v %+v", err, got)
	}
	for _, f := range []string{db, db + "-wal"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range secrets {
			if bytes.Contains(data, []byte(sec)) {
				t.Errorf("%s holds %q in clear", filepath.Base(f), sec)
			}
		}
	}
	s.Close()
	data, _ := os.ReadFile(db)
	for _, sec := range secrets {
		if bytes.Contains(data, []byte(sec)) {
			t.Errorf("after checkpoint, the database holds %q in clear", sec)
		}
	}
}

// TestMigrationSealsPlainData: a database written before encryption at rest (migrations 1-2,
// personal data in clear) is sealed by migration 3, and nothing is lost.
func TestMigrationSealsPlainData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "old.db")
	k, _ := ParseKeyring(NewKeyFile())
	s := &Store{Now: time.Now, keys: k, hashSlots: make(chan struct{}, 1)}
	w, err := openWriter(db)
	if err != nil {
		t.Fatal(err)
	}
	s.db = w
	if err := s.migrateTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	must := func(sql string, args ...any) {
		t.Helper()
		if err := w.Exec(sql, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	must("INSERT INTO users(id, email, name, role, password_hash, active, created_at, updated_at) VALUES (1, 'cw@example.org', 'CW', 'caseworker', 'x', 1, ?, ?)", now, now)
	must("INSERT INTO callers(id, name, phone, phone_index, citizenship, created_at, updated_at) VALUES (1, 'Sharif', '+7 916 123-45-67', '79161234567', 'TJ', ?, ?)", now, now)
	must("INSERT INTO cases(id, reference, status, version, category, summary, urgency, caller_id, opened_by_id, received_at, created_at, updated_at) VALUES (1, 'HL-2024-000001', 'new', 1, 'raid', 'hid in the kiosk', 'normal', 1, 1, ?, ?, ?)", now, now, now)
	must("INSERT INTO contacts(id, case_id, caller_id, channel, received_at, taken_by_id, category, summary, created_at) VALUES (1, 1, 1, 'phone', ?, 1, 'raid', 'first call', ?)", now, now)
	must("INSERT INTO case_entries(case_id, kind, to_status, note, user_id, at) VALUES (1, 'note', '', 'a note', 1, ?)", now)
	if err := s.migrateTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	d, _ := w.DB()
	d.Close()
	s2, err := Open(ctx, Options{Path: db, Keys: k})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	u, _ := s2.UserByID(ctx, 1)
	cs, err := s2.GetCase(ctx, u, 1)
	if err != nil || cs.Summary != "hid in the kiosk" || cs.Caller.Name != "Sharif" || cs.Contacts[0].Summary != "first call" || cs.Entries[0].Note != "a note" {
		t.Fatalf("after migration 3: %v %+v", err, cs)
	}
	if ms, err := s2.FindCallers(ctx, u, "89161234567"); err != nil || len(ms) != 1 {
		t.Fatalf("phone lookup after migration 3: %v %v", ms, err)
	}
	var raw string
	s2.db.Raw("SELECT summary FROM cases WHERE id = 1").Scan(&raw)
	if !strings.HasPrefix(raw, "hk2.") {
		t.Fatalf("summary not sealed: %q", raw)
	}
}

// sealUnpadded seals plain in the format before padding (hk1), as older versions did.
func sealUnpadded(t *testing.T, k *Keyring, plain string) string {
	t.Helper()
	gcm := k.aeads[k.active]
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		t.Fatal(err)
	}
	out := gcm.Seal(nonce, nonce, []byte(plain), aadV1)
	return fmt.Sprintf("hk1.%d.%s", k.active, base64.RawStdEncoding.EncodeToString(out))
}

// TestSealedLengthHidesTextLength: a value's length tells the bucket of its text's length,
// not the length: a name of 3 letters and one of 20 Cyrillic letters (40 bytes) seal to the
// same length; texts on either side of a bucket's edge do not; every one opens as it was.
func TestSealedLengthHidesTextLength(t *testing.T) {
	k, err := ParseKeyring(NewKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	seal := func(plain string) string {
		t.Helper()
		v, err := k.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := k.Open(v); err != nil || got != plain {
			t.Fatalf("%q opens as %q %v", plain, got, err)
		}
		return v
	}
	short, long := seal("Ali"), seal("Абдурахмонов Фаррух ")
	if len([]rune("Абдурахмонов Фаррух ")) != 20 || len(short) != len(long) {
		t.Errorf("sealed lengths %d and %d for names of 3 and 20 letters", len(short), len(long))
	}
	for _, tc := range []struct{ a, b int }{{63, 64}, {127, 128}, {1023, 1024}, {2047, 2048}} {
		a, b := seal(strings.Repeat("x", tc.a)), seal(strings.Repeat("x", tc.b))
		if len(a) >= len(b) {
			t.Errorf("texts of %d and %d bytes seal to %d and %d: the bucket's edge is not where documented", tc.a, tc.b, len(a), len(b))
		}
	}
	if a, b := seal(strings.Repeat("x", 1100)), seal(strings.Repeat("x", 2000)); len(a) != len(b) {
		t.Errorf("texts of 1100 and 2000 bytes seal to %d and %d, want one length", len(a), len(b))
	}
	// Texts that end like the padding still come back whole.
	for _, p := range []string{"\x80", "a\x80\x00", "\x00\x00", strings.Repeat("\x80", 63)} {
		seal(p)
	}
	for n := 0; n < 3000; n++ {
		if b := padBucket(n); b <= n || (b > 1024 && b%1024 != 0) || (b <= 1024 && b&(b-1) != 0) || b < 64 {
			t.Fatalf("padBucket(%d) = %d", n, b)
		}
	}
}

// TestUnpaddedValuesStillOpen: a value sealed before padding (hk1) opens; a value whose
// format is relabelled (hk1 as hk2, hk2 as hk1) does not, since each format has its own
// additional data.
func TestUnpaddedValuesStillOpen(t *testing.T) {
	k, err := ParseKeyring(NewKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	old := sealUnpadded(t, k, "Фаррух")
	if p, err := k.Open(old); err != nil || p != "Фаррух" {
		t.Fatalf("an hk1 value: %q %v", p, err)
	}
	if _, err := k.Open("hk2." + strings.TrimPrefix(old, "hk1.")); err == nil {
		t.Error("an hk1 value relabelled hk2 opened")
	}
	v2, _ := k.Seal("Фаррух")
	if _, err := k.Open("hk1." + strings.TrimPrefix(v2, "hk2.")); err == nil {
		t.Error("an hk2 value relabelled hk1 opened")
	}
}

// TestRotationPadsOldValues: a database whose values were sealed before padding reads as
// before through the store, and a key rotation re-seals them padded under the new key.
func TestRotationPadsOldValues(t *testing.T) {
	old := ReloadEvery
	ReloadEvery = 100 * time.Millisecond
	defer func() { ReloadEvery = old }()
	ctx := context.Background()
	s := openTest(t)
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	cs := mkCase(t, s, cw)
	v1 := sealUnpadded(t, s.keys, "hid in the kiosk")
	if err := s.db.Exec("UPDATE cases SET summary = ? WHERE id = ?", v1, cs.ID).Error; err != nil {
		t.Fatal(err)
	}
	got, err := s.GetCase(ctx, cw, cs.ID)
	if err != nil || got.Summary != "hid in the kiosk" {
		t.Fatalf("an hk1 summary through the store: %v %q", err, got.Summary)
	}
	if _, err := s.RotateKeys(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var raw string
	s.db.Raw("SELECT summary FROM cases WHERE id = ?", cs.ID).Scan(&raw)
	if !strings.HasPrefix(raw, "hk2.2.") {
		t.Errorf("after the rotation the summary is %.10q…, want hk2.2.", raw)
	}
	if got, err := s.GetCase(ctx, cw, cs.ID); err != nil || got.Summary != "hid in the kiosk" {
		t.Fatalf("after the rotation: %v %q", err, got.Summary)
	}
}
