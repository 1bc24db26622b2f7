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
	"himoya/views"
)

const usage = `himoya: a case manager for migrant-rights hotlines

Usage:
  himoya [serve]                          start the web app (HIMOYA_ADDR, HIMOYA_DB, HIMOYA_TZ)
  himoya user add -email E -role R [-name N]
                                          add an account; the password is the first line of stdin.
                                          R: caseworker, supervisor, admin (= admin + supervisor:
                                          manages accounts and reads every case) or admin-only
                                          (manages accounts and settings, cannot open cases)
  himoya user reset-2fa -email E          turn off an account's two-factor login and end its
                                          sessions (lost phone and recovery codes); supervisors
                                          and admins set it up again at their next login
  himoya token create -email E [-role R] [-name N]
                                          print a new API token for an account (last line); R is
                                          caseworker, supervisor or admin, at most the account's
                                          role (default: the account's role on cases)
  himoya token list -email E              list an account's API tokens
  himoya token revoke -id N | -prefix P   revoke an API token (it gets 401 from then on)
  himoya demo [-months N] [-seed S] [-cases N] [-force]
  himoya keys rotate                      seal all personal data under a new key (the app may keep running)
                                          fill an empty database with synthetic data to try himoya
  himoya audit verify                     check the audit log's chain: exit 0 if intact, 1 if not
  himoya retention run [-vacuum]          erase the personal data of cases closed longer ago than
                                          HIMOYA_RETENTION_MONTHS (default 24); serve does it daily
`

// Run runs the command line args and returns the process exit code.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) int {
	// Before any command opens or creates a file: see umask_unix.go.
	privateUmask()
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
	var ve *models.ValidationError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ve): // the fields' messages are codes of the catalogue: English here
		fmt.Fprintln(stdout, "error: please correct:", views.NewLocale("en", nil).Fields(ve.Fields))
		return 1
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
		return usageError("use: himoya user add -email E -role caseworker|supervisor|admin|admin-only [-name N]")
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
	r, ok := models.ParseRole(*role)
	if !ok {
		return usageError("-role must be caseworker, supervisor, admin (= admin + supervisor) or admin-only")
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
	u, err := s.CreateUser(ctx, models.UserInput{Email: *email, Name: *name, Role: r, Password: pw})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s (%s)\n", u.Email, u.RoleLabel())
	return nil
}

// tokenCmd: himoya token create|list|revoke; a new token is the last line printed.
func tokenCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	const use = "use: himoya token create -email E [-role caseworker|supervisor|admin] [-name N] | list -email E | revoke -id N | revoke -prefix P"
	if len(args) == 0 {
		return usageError(use)
	}
	fs := newFlags("token " + args[0])
	email := fs.String("email", "", "")
	name := fs.String("name", "", "")
	role := fs.String("role", "", "")
	id := fs.Uint("id", 0, "")
	prefix := fs.String("prefix", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	switch {
	case args[0] != "create" && args[0] != "list" && args[0] != "revoke":
		return usageError(use)
	case args[0] != "revoke" && *email == "":
		return usageError("token " + args[0] + " needs -email")
	case args[0] == "revoke" && (*id == 0) == (*prefix == ""):
		return usageError("token revoke needs -id or -prefix (one of them)")
	case *role != "" && models.Role(*role) != models.RoleCaseworker && models.Role(*role) != models.RoleSupervisor && models.Role(*role) != models.RoleAdmin:
		return usageError("-role must be caseworker, supervisor or admin")
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	switch args[0] {
	case "list":
		return listTokens(ctx, s, cfg, *email, stdout)
	case "revoke":
		t, err := s.RevokeToken(ctx, uint(*id), *prefix)
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("no such token")
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %d (%s) of %s is revoked\n", t.ID, tokenLabel(t), t.User.Email)
		return nil
	}
	if *name == "" {
		*name = "created " + time.Now().In(cfg.Loc).Format("2006-01-02 15:04")
	}
	tok, t, err := s.CreateTokenWithRole(ctx, *email, *name, models.Role(*role))
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no account with that e-mail")
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "API token %d for %s, acting as %s (shown once; only its hash is stored):\n%s\n", t.ID, *email, t.Role, tok)
	return nil
}

// listTokens prints an account's tokens: id, prefix, role, state and name.
func listTokens(ctx context.Context, s *models.Store, cfg Config, email string, stdout io.Writer) error {
	ts, err := s.ListTokens(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no account with that e-mail")
	} else if err != nil {
		return err
	}
	if len(ts) == 0 {
		fmt.Fprintf(stdout, "%s has no API tokens\n", email)
		return nil
	}
	when := func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.In(cfg.Loc).Format("2006-01-02 15:04")
	}
	fmt.Fprintf(stdout, "%-5s %-14s %-11s %-28s %-17s %s\n", "ID", "PREFIX", "ROLE", "STATE", "LAST USED", "NAME")
	for i := range ts {
		t := &ts[i]
		state := "active"
		if t.RevokedAt != nil {
			state = "revoked " + when(t.RevokedAt)
		}
		fmt.Fprintf(stdout, "%-5d %-14s %-11s %-28s %-17s %s\n", t.ID, tokenLabel(t), t.Role, state, when(t.LastUsedAt), t.Name)
	}
	return nil
}

// tokenLabel is the part of a token that may be shown: its prefix, or "?" for a token made
// before prefixes were kept.
func tokenLabel(t *models.APIToken) string {
	if t.Prefix == "" {
		return "?"
	}
	return t.Prefix + "…"
}
