package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Store is himoya's storage: every read and write of the domain goes through its methods.
type Store struct {
	// db is the only connection that writes. SQLite allows one writer at a time; holding a
	// single writer connection in the pool makes writers queue in Go instead of spinning on
	// SQLITE_BUSY, and every write transaction begins IMMEDIATE so it never has to upgrade a
	// read lock halfway (the cause of "database is locked" under load).
	db *gorm.DB
	// read is a pool of read-only connections: in WAL mode readers never block the writer
	// nor each other, so pages and reports stay fast while calls are being saved.
	read *gorm.DB
	// Loc is the organisation's time zone: days in lists and reports are days there.
	Loc *time.Location
	// IdleTimeout and MaxSessionAge bound a login session.
	IdleTimeout   time.Duration
	MaxSessionAge time.Duration
	// TwoFactorFrom is the lowest role that must log in with a second factor (TOTP); the
	// empty value means supervisors and admins. Set it to a role that is not one (e.g.
	// "none") to require it of nobody; every account may still turn it on.
	TwoFactorFrom Role
	// Now is the clock; tests replace it.
	Now func() time.Time
	// KeyFileCreated is set when Open made a new key file (the first start).
	KeyFileCreated bool

	keys *Keyring

	hashSlots chan struct{}
	// reads gathers the audit entries of concurrent reads into one commit.
	reads readLog
	// passwordChecks counts the argon2 comparisons made: what the login limits bound.
	passwordChecks atomic.Int64
}

// Options configure Open.
type Options struct {
	Path string         // SQLite file
	Loc  *time.Location // organisation time zone; Europe/Moscow if nil
	// Keys seal personal data. When nil, the key file KeyFile is read, or created (mode 0600)
	// if there is none and the database holds no sealed data yet; KeyFile defaults to the
	// database's path with the extension ".key".
	Keys    *Keyring
	KeyFile string
}

// DefaultKeyFile is the key file beside a database: himoya.db -> himoya.key.
func DefaultKeyFile(dbPath string) string {
	return strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + ".key"
}

// sqliteDSN builds the connection string. The durability choice is deliberate:
//   - journal_mode=WAL: readers and the writer do not block each other.
//   - synchronous=FULL: in WAL mode every commit is fsynced to the WAL before it returns, so a
//     call acknowledged to a caseworker survives a crash of the process and of the machine
//     (power loss, kernel panic). NORMAL would only survive a crash of the process.
//   - foreign_keys=on, busy_timeout=10s, txlock=immediate (see Store.db).
//   - secure_delete=on (writer): SQLite overwrites with zeros what it deletes or replaces,
//     so that erased personal data (retention, "forget this person") and values re-sealed
//     under a new key do not linger in free space of the file.
func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	if readOnly {
		q.Set("_query_only", "true")
	} else {
		q.Set("_txlock", "immediate")
		q.Set("_secure_delete", "on")
	}
	return "file:" + filepath.ToSlash(path) + "?" + q.Encode()
}

// Open opens (creating if needed) the database at opts.Path and brings its schema up to date.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Loc == nil {
		loc, err := time.LoadLocation("Europe/Moscow")
		if err != nil {
			return nil, err
		}
		opts.Loc = loc
	}
	// A folder himoya makes is its account's only, like the files in it (files.go).
	if dir := filepath.Dir(opts.Path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("database folder: %w", err)
		}
	}
	if err := createPrivateDB(opts.Path); err != nil {
		return nil, err
	}
	created := false
	keyFile := "" // the key file read, if the keys come from one
	if opts.Keys == nil {
		if opts.KeyFile == "" {
			opts.KeyFile = DefaultKeyFile(opts.Path)
		}
		k, made, err := LoadKeyring(opts.KeyFile, true)
		if err != nil {
			return nil, err
		}
		opts.Keys, created, keyFile = k, made, opts.KeyFile
	}
	w, err := openWriter(opts.Path)
	if err != nil {
		return nil, err
	}
	wdb, err := w.DB()
	if err != nil {
		return nil, err
	}

	s := &Store{
		db:             w,
		Loc:            opts.Loc,
		IdleTimeout:    30 * time.Minute,
		MaxSessionAge:  12 * time.Hour,
		Now:            time.Now,
		KeyFileCreated: created,
		keys:           opts.Keys,
		hashSlots:      make(chan struct{}, maxConcurrentHashes),
	}
	if err := s.Migrate(ctx); err != nil {
		_ = wdb.Close()
		return nil, err
	}
	if err := s.checkKeys(ctx); err != nil {
		_ = wdb.Close()
		if created {
			_ = os.Remove(opts.KeyFile) // a key file made for a database it cannot open
		}
		return nil, err
	}
	// The read pool is opened after migrating so that the file and its WAL exist.
	r, err := gorm.Open(dialector(sqliteDSN(opts.Path, true)), gormConfig())
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	rdb, err := r.DB()
	if err != nil {
		return nil, err
	}
	rdb.SetMaxOpenConns(max(2, runtime.NumCPU()))
	s.read = r
	warnOpenFiles(append(dbFiles(opts.Path), keyFile)...)
	return s, nil
}

func gormConfig() *gorm.Config {
	return &gorm.Config{
		// SQL is logged without its parameters: they may hold personal data.
		Logger: logger.New(slogWriter{}, logger.Config{
			SlowThreshold:             time.Second,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
			ParameterizedQueries:      true,
		}),
		NowFunc:        func() time.Time { return time.Now().UTC() },
		TranslateError: true,
	}
}

// driverName is SQLite's driver with himoya's functions added to every connection.
const driverName = "sqlite3_himoya"

var registerDriver sync.Once

// dialector opens SQLite through driverName. SQLite's own lower() folds ASCII only, so a
// search for "рынок" would miss "Рынок": lower() is replaced by Go's Unicode folding, the way
// SQLite's ICU extension does it, and queries keep the portable LOWER(...).
func dialector(dsn string) gorm.Dialector {
	registerDriver.Do(func() {
		sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			return c.RegisterFunc("lower", strings.ToLower, true)
		}})
	})
	return sqlite.New(sqlite.Config{DriverName: driverName, DSN: dsn})
}

// openWriter opens the single writer connection.
func openWriter(path string) (*gorm.DB, error) {
	w, err := gorm.Open(dialector(sqliteDSN(path, false)), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	wdb, err := w.DB()
	if err != nil {
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetConnMaxIdleTime(0)
	return w, nil
}

// wdb is the writer for a request's context, carrying the keyring that seals personal data.
func (s *Store) wdb(ctx context.Context) *gorm.DB { return s.db.WithContext(withKeys(ctx, s.keys)) }

// rdb is the read pool for a request's context, carrying the keyring.
func (s *Store) rdb(ctx context.Context) *gorm.DB { return s.read.WithContext(withKeys(ctx, s.keys)) }

// Keys is the keyring that seals personal data.
func (s *Store) Keys() *Keyring { return s.keys }

// keyCheck is a known text sealed on the first start: opening it proves that the key file
// belongs to this database.
const keyCheck = "himoya key check"

// checkKeys makes sure the keyring opens this database's data: a missing or wrong key file
// must stop himoya, not let it write data under a new key beside data it cannot read.
func (s *Store) checkKeys(ctx context.Context) error {
	db := s.wdb(ctx)
	var st Setting
	err := db.Where("key = ?", "keycheck").Limit(1).Find(&st).Error
	if err != nil {
		return err
	}
	if st.Key == "" {
		sealed, err := s.keys.Seal(keyCheck)
		if err != nil {
			return err
		}
		return db.Create(&Setting{Key: "keycheck", Value: sealed}).Error
	}
	if plain, err := s.keys.Open(st.Value); err != nil || plain != keyCheck {
		return errors.New("the key file does not open this database's personal data: " +
			"start himoya with the key file that belongs to this database (HIMOYA_KEY_FILE)")
	}
	return nil
}

// Close closes both connection pools.
func (s *Store) Close() error {
	var errs []error
	for _, g := range []*gorm.DB{s.read, s.db} {
		if g == nil {
			continue
		}
		if d, err := g.DB(); err == nil {
			errs = append(errs, d.Close())
		}
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.rdb(ctx).Raw("SELECT 1").Scan(&one).Error
}

// now is the current time in UTC, from the store's clock.
func (s *Store) now() time.Time { return s.Now().UTC() }

// slogWriter sends GORM's warnings (slow queries, errors, without parameters) to slog.
type slogWriter struct{}

func (slogWriter) Printf(format string, args ...any) {
	slog.Warn("database", "detail", fmt.Sprintf(format, args...))
}

// translate turns GORM's errors into the domain's.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return ErrNotFound
	default:
		return err
	}
}
