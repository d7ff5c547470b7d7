# The two quick-start commands (see README.md) and the checks.
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: bootstrap demo test lint bench images

bootstrap:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --quiet

demo: bootstrap
	$(UV) run --frozen crmsync demo

test: bootstrap
	$(UV) run --frozen ruff check crmsync tests bench docs/images
	$(UV) run --frozen mypy
	$(UV) run --frozen pytest -n 2

lint: bootstrap
	$(UV) run --frozen ruff check crmsync tests bench docs/images
	$(UV) run --frozen ruff format --check crmsync tests bench docs/images
	$(UV) run --frozen mypy

bench: bootstrap
	$(UV) run --frozen python -m bench

# The README's dashboard images, from the demo's data (needs Chromium: apt-get install chromium).
images: bootstrap
	$(UV) run --frozen python docs/images/screenshots.py
