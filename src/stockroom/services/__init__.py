"""Use cases: one public function = one unit of work. They flush; the caller commits."""
