# OAuth Lab. `make serve` and `make test` install what is missing on a fresh machine
# (Debian with rustup, Node.js and npm), build, and run.

SHELL := /bin/bash
CARGO_BIN := $(HOME)/.cargo/bin
export PATH := $(CURDIR)/node_modules/.bin:$(CARGO_BIN):$(PATH)

ADDR ?= 127.0.0.1:3000
DATABASE ?= sqlite:data/oauthlab.db
LEPTOS_VERSION := 0.3.10
WASM_BINDGEN_VERSION := 0.2.130
SCHEMATHESIS_VERSION := 4.32.5
OHA_VERSION := 1.16.0
VENV := target/venv

.PHONY: setup tools browser postgres serve build test test-rust test-postgres test-schema test-e2e bench lint layers openapi clean

## Install what is missing to build: the wasm target, cargo-leptos, wasm-bindgen, npm packages (wasm-opt).
setup: tools node_modules/.installed

tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -q '$(LEPTOS_VERSION)' || \
		CARGO_PROFILE_RELEASE_LTO=off cargo install cargo-leptos --locked --version $(LEPTOS_VERSION)
	@wasm-bindgen --version 2>/dev/null | grep -q '$(WASM_BINDGEN_VERSION)' || \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

## Debian's Chromium for the browser tests (Playwright cannot download its own here), and
## curl, which the journey tests run the page's commands with, as a learner would.
browser:
	@command -v chromium >/dev/null && command -v curl >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium curl; }

## Debian's PostgreSQL, for the throwaway server the Rust tests run against (.ci/with-postgres).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q postgresql; }

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## Release build: target/release/oauthlab and the site assets in target/site, with
## brotli and gzip copies of the static files (which the server sends as they are).
build: setup
	cargo leptos build --release
	node .ci/precompress.mjs target/site/pkg

## Build and serve on http://$(ADDR) with the database under data/.
serve: build
	./target/release/oauthlab serve --addr $(ADDR) --database $(DATABASE)

## Every test: the core, the server (API, storage, CLI), the API against its OpenAPI
## document, then the browser tests.
test: build test-rust test-schema test-e2e

## The Rust tests, with one throwaway PostgreSQL server for all of them (.ci/with-postgres
## sets OAUTHLAB_TEST_POSTGRES); OAUTHLAB_REQUIRE_POSTGRES makes a PostgreSQL test fail,
## not skip, without it.
test-rust: tools layers postgres
	@command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
	OAUTHLAB_REQUIRE_POSTGRES=1 .ci/with-postgres bash -c '\
		cargo nextest run --workspace --exclude app --no-fail-fast && \
		cargo nextest run -p app --features ssr --lib'

## Only the tests whose names contain "postgres", on a throwaway PostgreSQL server.
test-postgres: tools postgres
	@command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
	OAUTHLAB_REQUIRE_POSTGRES=1 .ci/with-postgres \
		cargo nextest run --workspace --exclude app --no-fail-fast -E 'test(/postgres/)'

## schemathesis from PyPI, pinned, in a virtual environment of its own.
$(VENV)/.schemathesis-$(SCHEMATHESIS_VERSION):
	rm -rf $(VENV)
	@python3 -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV); \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q python3-venv; \
		python3 -m venv $(VENV); }
	$(VENV)/bin/pip install -q --disable-pip-version-check 'schemathesis==$(SCHEMATHESIS_VERSION)'
	@touch $@

## The JSON API of the release binary against /api/v1/openapi.json with schemathesis
## (bounded: SCHEMA_EXAMPLES cases per operation and phase, SCHEMA_SEED): no 5xx, every
## answer as documented.
test-schema: build $(VENV)/.schemathesis-$(SCHEMATHESIS_VERSION)
	.ci/schema_test.sh target/release/oauthlab

test-e2e: build browser
	npx playwright test --config end2end/playwright.config.ts

## The speed and size budgets of issue 13 on this machine (docs/performance.md): the release
## binary against a bare axum yardstick (server/src/bin/yardstick.rs), loaded by oha over
## loopback; prints a markdown table, P1 also on a throwaway PostgreSQL (.ci/with-postgres).
## A few minutes after the build; not part of `make test`.
bench: build postgres
	@oha --version 2>/dev/null | grep -q '$(OHA_VERSION)' || \
		CARGO_PROFILE_RELEASE_LTO=off cargo install oha --locked --version $(OHA_VERSION)
	cargo build --release -p server --bin yardstick
	.ci/with-postgres python3 .ci/bench.py

## No module import loop, and no module importing from a layer above its own.
layers:
	python3 .ci/module_graph_test.py
	python3 .ci/module_graph.py

lint: layers
	cargo clippy --workspace --exclude app --all-targets
	cargo clippy -p app --features ssr --all-targets

## Write docs/openapi.json: the JSON API's OpenAPI document, generated from the code.
openapi:
	cargo run -q -p server --bin oauthlab -- openapi > docs/openapi.json.tmp || { rm -f docs/openapi.json.tmp; exit 1; }
	mv docs/openapi.json.tmp docs/openapi.json

clean:
	cargo clean
	rm -rf node_modules end2end/test-results
