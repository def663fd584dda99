"""Deterministic replay evaluations of the schedule-mcp server (see evals/README.md)."""
