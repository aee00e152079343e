"""Background jobs, each a loop over a service function (``stockroom worker``)."""
