// Command himoya is a case manager for migrant-rights hotlines: see README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"himoya/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout)
	stop()
	os.Exit(code)
}
