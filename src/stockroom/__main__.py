"""``python -m stockroom`` is the ``stockroom`` command."""

from stockroom.cli import app

app()
