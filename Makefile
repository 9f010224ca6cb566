# The two commands of the README, and the benchmarks.
.PHONY: run test lint bench-sync bench-estimate bench-insert bench-delay bench-load bench-capacity

run:
	scripts/run

test:
	scripts/test

lint:
	uv run ruff check . && uv run ruff format --check .

# The benchmarks run in development mode (the sandbox, the local key): the settings default to
# production, which refuses to start without its secrets. bench-load gives its gunicorn and
# worker production settings of its own.
bench-sync bench-estimate bench-insert bench-delay bench-load bench-capacity: export DEBUG = True

# Stores a 20,000-row results payload on the configured database (DATABASE_URL).
bench-sync:
	scripts/setup
	uv run python manage.py migrate --noinput
	uv run python -m benchmarks.sync

# The estimate against the real lists of a full sandbox session (no database needed).
bench-estimate:
	scripts/setup --test
	uv run python -m benchmarks.estimate

# A 20,000-name PDF/X-4 insert against a naive single WeasyPrint render (no database needed).
bench-insert:
	scripts/setup --test
	uv run python -m benchmarks.insert

# From the sandbox releasing a département's results to downloadable PDFs, on real processes.
bench-delay:
	scripts/setup
	uv run python -m benchmarks.delay

# A results-day crowd of editors on gunicorn, production settings, while a worker builds inserts
# (PostgreSQL's newsroom_bench database when DATABASE_URL is set, else a fresh SQLite file).
bench-load:
	scripts/setup
	uv run python -m benchmarks.load

# Requests per second of the main pages on gunicorn, production settings, closed loop with wrk
# (16 connections), against the login page's floor measured in the same run (PostgreSQL's
# newsroom_capacity database when DATABASE_URL is set, else a fresh SQLite file).
bench-capacity:
	scripts/setup --bench
	uv run python -m benchmarks.capacity
