package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"himoya/models/demo"
)

// demoCmd: himoya demo [-months N] [-seed S] [-cases N] [-force] fills the database with a
// synthetic hotline's history and prints how to log in.
func demoCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := newFlags("demo")
	months := fs.Int("months", 4, "")
	seed := fs.Uint64("seed", 0, "")
	cases := fs.Int("cases", 0, "")
	force := fs.Bool("force", false, "")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() > 0 {
		return usageError("demo takes no arguments besides its flags")
	}
	if *months < 1 || *months > 240 {
		return usageError("-months must be from 1 to 240")
	}
	if *cases < 0 {
		return usageError("-cases must be 0 (derived from -months) or more")
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	res, err := demo.Generate(ctx, s, demo.Options{Months: *months, Seed: *seed, Cases: *cases, Force: *force, Now: time.Now(),
		Rules: cfg.Dashboard})
	if errors.Is(err, demo.ErrNotEmpty) {
		return fmt.Errorf("%w (add -force to add demo data to it anyway)", err)
	} else if err != nil {
		return err
	}
	day := func(t time.Time) string { return t.In(cfg.Loc).Format("2 Jan 2006") }
	fmt.Fprintf(stdout, "Demo data written to %s in %.1fs (seed %d, to repeat it: -seed %d).\n",
		cfg.DB, time.Since(start).Seconds(), res.Seed, res.Seed)
	fmt.Fprintf(stdout, "  %d cases, %d calls (%d with no case), %d callers, from %s to %s\n",
		res.Cases, res.Calls, res.InfoCalls, res.Callers, day(res.From), day(res.To))
	for i, ev := range res.Events {
		if i == 0 {
			fmt.Fprintf(stdout, "  crisis surge from %s: %q (the dashboard as of %s shows it)\n", day(res.SurgeFrom), ev.Name,
				res.SurgeAt.In(cfg.Loc).Format("2006-01-02 15:04"))
		} else {
			fmt.Fprintf(stdout, "  event from %s: %q\n", day(ev.StartsOn), ev.Name)
		}
	}
	fmt.Fprintf(stdout, "\n%d accounts, all with the same password:\n", len(res.Accounts))
	for _, a := range res.Accounts {
		fmt.Fprintf(stdout, "  %-28s %-11s %s\n", a.Email, a.Role, a.Name)
	}
	fmt.Fprintf(stdout, `  Password: %s
This password is shown only once; it was made at random for this database.
Everyone in the demo is made up. Start himoya with "himoya serve" (or "go run .") and log in at
http://%s/login as a supervisor (%s) to see every case. Supervisors and admins set up
two-factor login (an authenticator app on a phone) at their first login; caseworkers may.
`, res.Password, cfg.Addr, res.Accounts[0].Email)
	return nil
}
