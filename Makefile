# Everyday commands for working on himoya. The README's two set-up commands (go run .,
# go test ./...) need none of this.

GO  ?= go
BIN ?= himoya

.PHONY: run test lint bench build ci mutation

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

## mutation: mutation testing (gremlins, pinned) of the files that guard what matters: access
## rules, workflow, the public report's suppression, login limits, sealing. It runs the models
## package's tests once per mutant (about 40 minutes on two cores); docs/mutation.md has the last
## results and why each surviving mutant is harmless. One file: make mutation MUTATE=workflow.go
GREMLINS ?= github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
MUTATE   ?= access.go workflow.go reports_suppress.go logins.go crypto.go personal.go
MUTATION_WORKERS ?= 2
# gremlins mutates every file of the package it is pointed at; the others are excluded by name.
empty :=
space := $(empty) $(empty)
MUTATION_SKIP := $(filter-out $(MUTATE) %_test.go,$(notdir $(wildcard models/*.go)))
mutation:
	$(GO) install $(GREMLINS)
	"$$($(GO) env GOPATH)/bin/gremlins" unleash --workers $(MUTATION_WORKERS) --timeout-coefficient 5 \
		--invert-logical --invert-loopctrl --invert-assignments --invert-bitwise --invert-bwassign \
		--remove-self-assignments --exclude-files '^($(subst $(space),|,$(subst .,\.,$(MUTATION_SKIP))))$$' \
		--threshold-efficacy 95 ./models
