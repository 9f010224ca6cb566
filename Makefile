# The two commands of the README, and the benchmarks.
.PHONY: run test lint bench-sync

run:
	scripts/run

test:
	scripts/test

lint:
	uv run ruff check . && uv run ruff format --check .

# Stores a 20,000-row results payload on the configured database (DATABASE_URL).
bench-sync:
	scripts/setup
	uv run python manage.py migrate --noinput
	uv run python -m benchmarks.sync
