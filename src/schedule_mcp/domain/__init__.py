"""Pure domain model: no I/O, imports nothing above it."""
