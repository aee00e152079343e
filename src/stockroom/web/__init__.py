"""The web app: server-rendered pages (Jinja2 + htmx) for the floor and the office."""
