"""Pure business rules and value types: no I/O, no framework imports."""
