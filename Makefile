# The two commands of the README, and the benchmarks.
.PHONY: run test lint bench-sync

run:
	scripts/run

test:
	scripts/test

lint:
	uv run ruff check . && uv run ruff format --check .

bench-sync:
	scripts/setup
	uv run python -m benchmarks.sync
