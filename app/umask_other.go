//go:build !unix

package app

// privateUmask does nothing where there is no umask (Windows): access to the data folder is
// set with the system's own tools there.
func privateUmask() {}
