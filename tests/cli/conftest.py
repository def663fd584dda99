"""CLI tests run `main()` in-process: each leaves the process's logging as it found it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

LIBRARIES = ("fastmcp", "mcp", "httpx", "httpcore", "sqlalchemy", "alembic")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """A command configures logging for the whole process; undo it after each test."""
    root = logging.getLogger()
    libraries = [logging.getLogger(name) for name in LIBRARIES]
    saved_root = (root.handlers[:], root.level)
    saved = [(lib.handlers[:], lib.propagate, lib.level) for lib in libraries]
    yield
    logging.captureWarnings(False)
    for handler in root.handlers:
        if handler not in saved_root[0]:
            handler.close()  # e.g. the rotating log file a command opened
    root.handlers[:] = saved_root[0]
    root.setLevel(saved_root[1])
    for lib, (handlers, propagate, level) in zip(libraries, saved, strict=True):
        lib.handlers[:] = handlers
        lib.propagate = propagate
        lib.setLevel(level)
