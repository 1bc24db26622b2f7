package app

import (
	"context"
	"io"
)

// demoCmd: placeholder until the demo generator lands.
func demoCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	return usageError("demo is not built yet")
}
