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

## lint: gofmt, go vet, staticcheck (pinned, installed from the Go module proxy, as CI runs it)
lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	"$$($(GO) env GOPATH)/bin/staticcheck" ./...

## bench: the benchmarks only
bench:
	$(GO) test -bench=. -run='^$$' ./...

## build: the binary, as the Dockerfile builds it (cgo: SQLite)
build:
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags="-s -w" -o $(BIN) .

## ci: what CI runs
ci:
	bash .ci/run
