"""Stockroom: inventory management built on one stock ledger."""

__version__ = "0.1.0"
