// Package models owns himoya's domain: calls, callers, cases and their status workflow, the
// taxonomy, accounts, sessions and API tokens, and the storage behind them (opening SQLite,
// versioned migrations). It knows nothing of HTTP: the handlers call it, and it answers with
// values or with the errors declared in errors.go.
package models
