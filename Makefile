# Quick start: `make demo` runs the main job, `make test` runs every test.
# Both install what is missing first.

NODE_DEPS := node_modules/.package-lock.json
# The command line bundled by esbuild (bin/epcsim.js falls back to the sources when it is stale).
BUILD := dist/main.js
SOURCES = $(shell find src -type f)
TESTS = $(shell find test -name '*.test.ts' | sort)

.PHONY: demo test check lint typecheck bench fuzz redis-server chromium simpy build ui serve screenshots

$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(BUILD): $(NODE_DEPS) $(SOURCES) scripts/build.mjs scripts/frames_transform.mjs
	node scripts/build.mjs

build: $(BUILD)

# The web UI of `epcsim serve` (Vite + Preact), built into dist-ui/ (not committed).
UI := dist-ui/index.html
UI_SOURCES = $(shell find ui -type f)
$(UI): $(NODE_DEPS) $(UI_SOURCES)
	npx vite build --config ui/vite.config.mjs

ui: $(UI)

serve: $(BUILD) $(UI)
	node bin/epcsim.js serve

# A PNG of each UI view for the docs (docs/screenshots/).
screenshots: $(BUILD) $(UI) chromium
	node --import tsx scripts/screenshots.ts

# Experiment 1 (batch 16 vs per-page reclaim, paired replications on common random numbers): the
# table on stdout, the HTML report in out/, every run in epcsim-results.db (a second run is cached).
demo: $(BUILD)
	node bin/epcsim.js ab seed-batching --report out/seed-batching.html

typecheck: $(NODE_DEPS)
	npx tsc --noEmit -p .
	npx tsc --noEmit -p ui

lint: $(NODE_DEPS)
	npx biome check src test bench scripts ui

# The job-queue tests start a private redis-server (Debian's package), installed here where missing.
redis-server:
	@command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

# The web UI's browser tests drive Debian's chromium (playwright-core never downloads a browser).
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(NODE_DEPS) $(BUILD) $(UI) redis-server chromium typecheck lint
	node --import tsx --test $(TESTS)

# The input fuzzer at length (make test runs 2000 cases per property and 40 command lines).
fuzz: $(NODE_DEPS) $(BUILD)
	FUZZ_RUNS=100000 FUZZ_CLI_RUNS=1000 node --import tsx --test test/fuzz/inputs.test.ts

# bench/engine.ts compares the event engine with SimPy: Debian's python3-simpy (SimPy 2.3.1).
simpy:
	@/usr/bin/python3 -c "import SimPy" 2>/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-simpy >/dev/null; }

bench: $(NODE_DEPS) $(BUILD) simpy
	node --import tsx bench/run.ts
	node --import tsx bench/check.ts
	node --import tsx bench/bugs.ts
	node --import tsx bench/generators.ts
	node --import tsx bench/engine.ts
	node --import tsx bench/queue.ts
	node --import tsx bench/startup.ts
	node --import tsx bench/mutate.ts
