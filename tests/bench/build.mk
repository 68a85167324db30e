# Benchmarks: each tests/bench/<name>/ has a build.mk (appending to
# BENCH_BUILD what it needs built) and a run.sh that prints a markdown table
# section and writes build/bench/<name>.json.  `make bench` runs them all.
BENCH_BUILD :=
include $(wildcard tests/bench/*/build.mk)

bench: deps
	@PATH=$(DEPS_PATH) $(MAKE) --no-print-directory all $(BENCH_BUILD)
	@PATH=$(DEPS_PATH) tests/bench/run.sh $(BUILD)
