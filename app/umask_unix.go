//go:build unix

package app

import "syscall"

// privateUmask sets the process's umask to 0077, so that every file and folder himoya (or
// SQLite inside it) creates is its account's only: the database and its -wal, -shm and
// journal files, the key file, temporary files. The umask belongs to the whole process, not
// to a goroutine; that is what is wanted here, since himoya writes no file for anyone else
// to read (downloads go over HTTP). models.Open makes the database 0600 whatever the umask;
// this covers what it does not create itself.
func privateUmask() { syscall.Umask(0o077) }
