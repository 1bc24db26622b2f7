//go:build unix

package app

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestRunMakesPrivateFiles starts a command under the usual umask 022: from then on the
// process creates files for its own account only (umask 0077), and the database, its key
// file and a folder made for them are private.
func TestRunMakesPrivateFiles(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	c := newCLI(t)
	dir := filepath.Join(t.TempDir(), "data")
	c.db = filepath.Join(dir, "himoya.db")
	c.env["HIMOYA_DB"] = c.db
	if code, out := c.run(cliPassword+"\n", "user", "add", "-email", "cw@example.org", "-role", "caseworker"); code != 0 {
		t.Fatalf("user add: %d %s", code, out)
	}
	if got := syscall.Umask(0o022); got != 0o077 {
		t.Errorf("umask after Run: %04o, want 0077", got)
	}
	for _, p := range []string{dir, c.db, filepath.Join(dir, "himoya.key")} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o600)
		if st.IsDir() {
			want = 0o700
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", p, st.Mode().Perm(), want)
		}
	}
}
