// Package models owns himoya's domain: calls, callers, cases and their status workflow, the
// taxonomy, accounts, sessions and API tokens, and the storage behind them (opening SQLite,
// versioned migrations). It knows nothing of HTTP, templates or file formats: the handlers
// call it, and it answers with values or with the errors declared in errors.go. Its child
// packages build on its exported entry points: models/stats computes the reports and the
// dashboard, models/demo generates synthetic data (children.go lists what is exported for
// them); models imports neither.
package models
