"""The ``Allow`` header of a 405 reply, listing every method the path accepts.

Starlette answers 405 from the first route whose path matches, so ``DELETE /products``
would be told ``Allow: GET`` although ``POST /products`` exists too (RFC 9110 wants all
of them). The table below is built once from the app's routes and consulted only on 405.
"""

import re
from collections.abc import Iterable

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, compile_path
from starlette.types import Scope


class AllowedMethods:
    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], frozenset[str]]] = []

    def add(self, prefix: str, routes: Iterable[BaseRoute]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                regex, _, _ = compile_path(prefix + route.path)
                self._routes.append((regex, frozenset(route.methods or ())))

    def for_path(self, path: str) -> list[str]:
        found: set[str] = set()
        for regex, methods in self._routes:
            if regex.match(path):
                found |= methods
        return sorted(found)


def install(app: FastAPI, table: AllowedMethods) -> None:
    app.state.allowed_methods = table


def allow_header(scope: Scope) -> str | None:
    """The methods the request's path accepts, or None outside a Stockroom app."""
    table: AllowedMethods | None = getattr(scope["app"].state, "allowed_methods", None)
    if table is None:
        return None
    return ", ".join(table.for_path(scope["path"])) or None
