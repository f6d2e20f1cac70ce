"""Benchmarks: each scenario beside its floor, measured in the same run (``make bench``)."""
