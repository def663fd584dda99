"""Packaged data files (read with importlib.resources; never written at runtime)."""
