"""Benchmarks: ``./wuye bench``. Each prints its figure next to a baseline measured
in the same run, and the ratio between them -- never an absolute target."""
