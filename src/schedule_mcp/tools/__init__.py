"""The MCP surface: thin, typed, documented tools, resources and prompts (no SQL, no HTTP)."""
