# Everyday commands for working on himoya. The README's two set-up commands (go run .,
# go test ./...) need none of this.

GO  ?= go
BIN ?= himoya

.PHONY: run test lint bench build ci

## run: start the web app (HIMOYA_ADDR, HIMOYA_DB, HIMOYA_TZ from the environment)
run:
	$(GO) run . serve

## test: the whole suite on real SQLite, never from the test cache
test:
	$(GO) test -count=1 ./...

## lint: gofmt, go vet, and staticcheck when it is installed.
# staticcheck is not a dependency of the module and no copy of it is in the module cache, so
# `go run honnef.co/go/tools/cmd/staticcheck@latest` would need the network on every machine.
# It runs when installed (go install honnef.co/go/tools/cmd/staticcheck@latest) and is
# skipped, saying so, otherwise.
lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@if command -v staticcheck >/dev/null 2>&1; then staticcheck ./...; \
	else echo "staticcheck is not installed: skipped"; fi

## bench: the benchmarks only
bench:
	$(GO) test -bench=. -run='^$$' ./...

## build: the binary, as the Dockerfile builds it (cgo: SQLite)
build:
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags="-s -w" -o $(BIN) .

## ci: what CI runs
ci:
	bash .ci/run
