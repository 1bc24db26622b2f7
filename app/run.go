package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"himoya/models"
)

const usage = `himoya: a case manager for migrant-rights hotlines

Usage:
  himoya [serve]                          start the web app (HIMOYA_ADDR, HIMOYA_DB, HIMOYA_TZ)
  himoya user add -email E -role R [-name N]
                                          add an account; the password is the first line of stdin
  himoya user reset-2fa -email E          turn off an account's two-factor login and end its
                                          sessions (lost phone and recovery codes); supervisors
                                          and admins set it up again at their next login
  himoya token create -email E [-name N]  print a new API token for an account (last line)
  himoya demo [-months N] [-seed S] [-cases N] [-force]
  himoya keys rotate                      seal all personal data under a new key (the app may keep running)
                                          fill an empty database with synthetic data to try himoya
  himoya audit verify                     check the audit log's chain: exit 0 if intact, 1 if not
  himoya retention run [-vacuum]          erase the personal data of cases closed longer ago than
                                          HIMOYA_RETENTION_MONTHS (default 24); serve does it daily
`

// Run runs the command line args and returns the process exit code.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) int {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintln(stdout, "error:", err)
		return 2
	}
	cmd := "serve"
	if len(args) > 1 {
		cmd = args[1]
		args = args[2:]
	} else {
		args = nil
	}
	switch cmd {
	case "serve":
		err = serve(ctx, cfg, stdout)
	case "user":
		err = userCmd(ctx, cfg, args, stdin, stdout)
	case "token":
		err = tokenCmd(ctx, cfg, args, stdout)
	case "demo":
		err = demoCmd(ctx, cfg, args, stdout)
	case "retention":
		err = retentionCmd(ctx, cfg, args, stdout)
	case "keys":
		err = keysCmd(ctx, cfg, args, stdout)
	case "audit":
		err = auditCmd(ctx, cfg, args, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usageError("unknown command " + cmd)
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stdout, "error: %s\n\n%s", ue, usage)
		return 2
	default:
		fmt.Fprintln(stdout, "error:", err)
		return 1
	}
}

// usageError is a mistake in the command line itself.
type usageError string

func (e usageError) Error() string { return string(e) }

func open(ctx context.Context, cfg Config) (*models.Store, error) {
	opts := models.Options{Path: cfg.DB, Loc: cfg.Loc, KeyFile: cfg.KeyFile}
	if cfg.Key != "" {
		k, err := models.ParseKeyring([]byte(cfg.Key))
		if err != nil {
			return nil, fmt.Errorf("HIMOYA_KEY: %w", err)
		}
		opts.Keys = k
	}
	s, err := models.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	s.TwoFactorFrom = cfg.TwoFactorFrom
	return s, nil
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// keysCmd: himoya keys rotate.
func keysCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "rotate" {
		return usageError("use: himoya keys rotate")
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := s.RotateKeys(ctx, func(msg string) { fmt.Fprintln(stdout, msg) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "key %d is now the active key; %d values were re-sealed with it; the older keys are retired.\n", rep.NewKey, rep.Resealed)
	return nil
}

// userCmd: himoya user add -email E -role R [-name N], password on stdin.
func userCmd(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "reset-2fa" {
		return userResetTwoFactor(ctx, cfg, args[1:], stdout)
	}
	if len(args) == 0 || args[0] != "add" {
		return usageError("use: himoya user add -email E -role caseworker|supervisor|admin [-name N]")
	}
	fs := newFlags("user add")
	email := fs.String("email", "", "")
	role := fs.String("role", "", "")
	name := fs.String("name", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	if *email == "" || *role == "" {
		return usageError("user add needs -email and -role")
	}
	if !models.Role(*role).Valid() {
		return usageError("-role must be caseworker, supervisor or admin")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.CreateUser(ctx, models.UserInput{Email: *email, Name: *name, Role: models.Role(*role), Password: pw})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s (%s)\n", u.Email, u.Role)
	return nil
}

// tokenCmd: himoya token create -email E [-name N]; the token is the last line printed.
func tokenCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError("use: himoya token create -email E [-name N]")
	}
	fs := newFlags("token create")
	email := fs.String("email", "", "")
	name := fs.String("name", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	if *email == "" {
		return usageError("token create needs -email")
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if *name == "" {
		*name = "created " + time.Now().In(cfg.Loc).Format("2006-01-02 15:04")
	}
	tok, err := s.CreateToken(ctx, *email, *name)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no account with that e-mail")
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "API token for %s (shown once; only its hash is stored):\n%s\n", *email, tok)
	return nil
}
