# The two commands of the README contract: `make demo` and `make test`.
VENV := .venv/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: bootstrap demo test lint bench db-start db-stop

bootstrap:
	@scripts/bootstrap

demo: bootstrap
	@echo "==> Starting the database (embedded cluster under var/ unless DATABASE_URL is set)"
	@$(VENV)/est db start
	@echo "==> Migrating"
	@$(VENV)/est db upgrade
	@echo "==> Loading demo data"
	@$(VENV)/est demo
	@echo "==> Serving on http://$(HOST):$(PORT)/"
	@$(VENV)/est serve --host $(HOST) --port $(PORT)

test: bootstrap lint
	@echo "==> pytest (unit, integration, web, e2e in headless Chromium; real PostGIS)"
	@$(VENV)/pytest

lint:
	@echo "==> ruff"
	@$(VENV)/ruff check .
	@echo "==> mypy (est, geo)"
	@$(VENV)/mypy

bench: bootstrap
	@for b in benchmarks/*.py; do echo "==> $$b"; $(VENV)/python $$b || exit 1; done

db-start:
	@$(VENV)/est db start

db-stop:
	@$(VENV)/est db stop
