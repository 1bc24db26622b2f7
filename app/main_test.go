package app

import (
	"io"
	"log/slog"
	"os"
	"testing"
)

// TestMain keeps the request log out of test output.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}
