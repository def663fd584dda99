"""The made-up offline world that `--offline` serves, as product code.

The sample world (`schedule_mcp/data/snapshot/cuny.json` + `rmp.json`) holds term 2026 Fall
(1269) at Queens College (QNS01), Hunter College (HTR01) and Baruch College (BAR01), with
fictional instructors and their RateMyProfessors ratings. Modules, bottom up:

- `world`: the World models, loading the committed snapshot, the linked-lab convention.
- `render`: world data rendered in the documented upstream shapes (Global Search HTML pages,
  RMP GraphQL JSON nodes).
- `exchange`: the tiny request/response value types the sample sites speak.
- `cuny_site`, `rmp_site`: the request -> response logic of the two sample sites.
- `sites`: one handler serving both sites by path.
- `transport`: the in-process `httpx` transport offline mode plugs into the real clients, so
  the real flow and parsers run over the package data (no port, no network).
"""
