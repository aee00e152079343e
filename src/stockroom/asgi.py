"""The application `stockroom serve` runs: the API (``api.app``) and the web app (``web``)
in one ASGI app, sharing users, roles, the database and the rate limits."""

from fastapi import FastAPI

from stockroom.api.app import create_app as create_api
from stockroom.config import Settings
from stockroom.services.unit_of_work import Database
from stockroom.web import app as web


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    app = create_api(settings, database)
    web.install(app)
    return app
