"""HTTP API (``/api/v1``): thin routers that validate, call a service and shape the reply."""
