"""schedule-mcp: an MCP server that plans CUNY semesters."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("schedule-mcp")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
