//go:build unix

package models

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// withUmask runs the rest of the test under umask mask, as if himoya were started from a
// shell with it, and restores the test process's own afterwards.
func withUmask(t *testing.T, mask int) {
	t.Helper()
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// captureLog sends slog's default logger to a buffer for the rest of the test.
func captureLog(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return &buf
}

// modes lists the permission bits of every entry of dir.
func modes(t *testing.T, dir string) map[string]os.FileMode {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]os.FileMode{}
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = info.Mode().Perm()
	}
	return out
}

// TestOpenMakesPrivateFiles opens a fresh database through the production path under the
// usual umask 022, in a folder himoya creates, and writes to it: the folder is 0700, and
// every file in it — the database, its -wal and -shm, the key file — is 0600, while open and
// after closing. Nothing is logged about open files.
func TestOpenMakesPrivateFiles(t *testing.T) {
	withUmask(t, 0o022)
	log := captureLog(t)
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(context.Background(), Options{Path: filepath.Join(dir, "himoya.db")})
	if err != nil {
		t.Fatal(err)
	}
	mkCase(t, s, mkUser(t, s, "cw@example.org", RoleCaseworker))
	check := func(when string, want ...string) {
		t.Helper()
		got := modes(t, dir)
		for _, name := range want {
			if _, ok := got[name]; !ok {
				t.Errorf("%s: no %s in the folder (%v)", when, name, got)
			}
		}
		for name, m := range got {
			if m != 0o600 {
				t.Errorf("%s: %s has mode %04o, want 0600", when, name, m)
			}
		}
	}
	check("open", "himoya.db", "himoya.db-wal", "himoya.db-shm", "himoya.key")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check("closed", "himoya.db", "himoya.key")
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("the data folder: %v %v, want mode 0700", st.Mode().Perm(), err)
	}
	if strings.Contains(log.String(), "open to other accounts") {
		t.Errorf("warned of private files: %s", log)
	}
}

// TestOpenWarnsOfOpenFiles: a database and a key file readable by others (0644, as older
// versions left them) are each named in a warning in the log at start-up, and so are the
// -wal and -shm files SQLite makes with the database's mode.
func TestOpenWarnsOfOpenFiles(t *testing.T) {
	withUmask(t, 0o022)
	dir := t.TempDir()
	path := filepath.Join(dir, "himoya.db")
	s, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for name, mode := range map[string]os.FileMode{"himoya.db": 0o644, "himoya.key": 0o640} {
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	log := captureLog(t)
	s, err = Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, want := range []string{path + " mode=0644", path + "-wal mode=0644", path + "-shm mode=0644",
		filepath.Join(dir, "himoya.key") + " mode=0640"} {
		if !strings.Contains(log.String(), "level=WARN msg=\"a file of himoya's is open to other accounts") ||
			!strings.Contains(log.String(), "path="+want) {
			t.Errorf("no warning for path=%s in the log:\n%s", want, log)
		}
	}
}
