package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"himoya/models"
)

// auditCmd: himoya audit verify. It walks the audit log's chain and exits 1 (through Run's
// error path) naming the first entry that breaks it.
func auditCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "verify" {
		return usageError("use: himoya audit verify")
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.VerifyAudit(ctx)
	if errors.Is(err, models.ErrAuditBroken) {
		return fmt.Errorf("%w (the %d entries before it are intact)", err, n)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries checked.\n", n)
	return nil
}
