"""Benchmarks; ``uv run python -m bench [name ...]`` runs them (see docs/benchmarks.md)."""
