# Two commands for a new user: `make demo` and `make test`. Each installs what it needs first.
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test check fmt pytest serve bench bench-check mutate sim-wand sim-uhf install

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen
	touch $@

install: $(VENV)/.synced

demo: $(VENV)/.synced
	$(VENV)/bin/scanstation demo

check: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

pytest: $(VENV)/.synced
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: check pytest

fmt: $(VENV)/.synced
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

serve: $(VENV)/.synced
	$(VENV)/bin/scanstation server

# Every benchmark, then one table of target / measured / pass-fail. `make bench-check` also
# exits non-zero when a target is missed (for people: these shared machines are too noisy for CI).
BENCH_RESULTS := .bench-results.jsonl
bench: $(VENV)/.synced
	rm -f $(BENCH_RESULTS)
	for f in bench/bench_*.py; do \
	  SCANSTATION_BENCH_RESULTS=$(BENCH_RESULTS) $(VENV)/bin/python $$f || exit 1; done
	@echo; echo "== all benchmarks"
	$(VENV)/bin/python -m bench.targets $(BENCH_RESULTS) $(BENCH_CHECK)

bench-check: BENCH_CHECK := --check
bench-check: bench

# Mutation testing of the core ([tool.mutmut] in pyproject.toml: which files, which tests):
# the codecs' CRC and framing, the outbox, the resolution guard and its ordering, CSRF. Bounded
# (about half an hour on a busy 2-core machine), run by hand. Results stay in ./mutants.
MUTATE := "scanner.codecs.crc.*" "scanner.codecs.framing.*" "scanner.codecs.uhf_framing.*" \
  "scanner.queue.store.*" "sync_server.services.resolution.x__guard*" \
  "sync_server.services.resolution.x__winners*" "sync_server.services.resolution.x_order_key*" \
  "sync_server.services.resolution.x__upsert*" "sync_server.web.security.x_check_csrf*" \
  "sync_server.web.security.x_safe_next*"
mutate: $(VENV)/.synced
	$(VENV)/bin/mutmut run --max-children 2 $(MUTATE)
	$(VENV)/bin/mutmut results

sim-wand: $(VENV)/.synced
	$(VENV)/bin/scanstation simulate honeywell-xenon-1950g-usb-serial

sim-uhf: $(VENV)/.synced
	$(VENV)/bin/scanstation simulate sparkfun-m6e-nano
