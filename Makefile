# Quick start: `make demo` runs the main job, `make test` runs every test.
# Both install what is missing first.

NODE_DEPS := node_modules/.package-lock.json
TESTS = $(shell find test -name '*.test.ts' | sort)

.PHONY: demo test check lint typecheck bench redis-server

$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Experiment 1 (batch 16 vs per-page reclaim, paired replications on common random numbers): the
# table on stdout, the HTML report in out/, every run in epcsim-results.db (a second run is cached).
demo: $(NODE_DEPS)
	node bin/epcsim.js ab seed-batching --report out/seed-batching.html

typecheck: $(NODE_DEPS)
	npx tsc --noEmit -p .

lint: $(NODE_DEPS)
	npx biome check src test bench scripts

# The job-queue tests start a private redis-server (Debian's package), installed here where missing.
redis-server:
	@command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

test: $(NODE_DEPS) redis-server typecheck lint
	node --import tsx --test $(TESTS)

bench: $(NODE_DEPS)
	node --import tsx bench/run.ts
	node --import tsx bench/check.ts
	node --import tsx bench/bugs.ts
	node --import tsx bench/generators.ts
	node --import tsx bench/queue.ts
