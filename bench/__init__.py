"""Benchmarks, run on demand with ``make bench`` (or ``python -m bench NAME``); never part of ``make test``."""
