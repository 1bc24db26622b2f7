package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"himoya/models"
)

// retentionEvery is how often serve runs the retention job.
const retentionEvery = 24 * time.Hour

// retentionLoop erases expired personal data once when the server starts and then every
// day. It logs counts only.
func retentionLoop(ctx context.Context, s *models.Store, months int) {
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		rep, err := s.RunRetention(ctx, months)
		if err != nil {
			slog.Error("retention run failed", "err", err)
		} else {
			slog.Info("retention run", "cases", rep.Cases, "callers", rep.Callers, "calls", rep.Calls, "checkpointed", rep.Checkpointed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// retentionCmd: himoya retention run [-vacuum].
func retentionCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		return usageError("use: himoya retention run [-vacuum]")
	}
	fs := newFlags("retention run")
	vacuum := fs.Bool("vacuum", false, "")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := s.RunRetention(ctx, cfg.RetentionMonths)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "retention: %d months; erased the personal data of %d cases closed before %s, %d calls with no case and %d callers.\n",
		cfg.RetentionMonths, rep.Cases, rep.Cutoff.In(cfg.Loc).Format("2006-01-02"), rep.Calls, rep.Callers)
	if *vacuum {
		if err := s.Vacuum(ctx); err != nil {
			return fmt.Errorf("vacuum: %w", err)
		}
		fmt.Fprintln(stdout, "vacuum: the database file was rebuilt with no free pages left.")
	} else if !rep.Checkpointed {
		fmt.Fprintln(stdout, "note: the WAL could not be emptied now (a long read was running); the next checkpoint does it.")
	}
	return nil
}
