"""Pure scheduling engine: problem model, constraints, objectives, exact top-k search."""
