package models

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
)

// The database file holds the audit log, the staff accounts and their password hashes, and
// the sealed personal data; its -wal and -shm files hold recent pages of it; the key file
// opens the personal data. On a machine shared with other accounts (a server with a backup
// user, a laptop with a guest), none of them is anyone else's business: they are made
// readable and writable by their owner only, and himoya warns when it finds them open.

// privateFile is the mode of the database, everything beside it, and the key file.
const privateFile fs.FileMode = 0o600

// createPrivateDB creates the database file, empty, with mode 0600, unless it exists. SQLite
// would create it with mode 0644 less the umask (0644 under the usual umask 022); given a file,
// it opens it, and it creates the -wal and -shm files with the mode of the database file, so
// they are 0600 too. An existing database keeps its mode: warnOpenFiles says when it is open.
func createPrivateDB(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, privateFile)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("database file: %w", err)
	}
	return f.Close()
}

// dbFiles are the database file and the files SQLite keeps beside it in WAL mode.
func dbFiles(path string) []string {
	return []string{path, path + "-wal", path + "-shm"}
}

// warnOpenFiles logs a warning, at start-up, for each file of paths that exists and that
// other accounts on this machine may read or change (any permission for group or others).
// Windows has no such mode bits: nothing to check there.
func warnOpenFiles(paths ...string) {
	if runtime.GOOS == "windows" {
		return
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		if mode := st.Mode().Perm(); mode&0o077 != 0 {
			slog.Warn("a file of himoya's is open to other accounts on this machine: "+
				"it holds the audit log, staff accounts and password hashes, or the key to personal data; "+
				"make it readable by himoya's account only (chmod 600)",
				"path", p, "mode", fmt.Sprintf("%04o", mode))
		}
	}
}
