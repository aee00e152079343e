"""Pydantic models of the API's requests and replies (never the ORM classes themselves)."""
