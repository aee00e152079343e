"""Benchmarks for Stockroom: the data generator (``python -m bench.generate``)."""
