"""Upstream access: the resilient HTTP client, wire-format parsers and text sanitising.

``http.ResilientClient`` is the only way out to the network; parsers (``cuny``, ``rmp``)
turn its ``UpstreamResponse`` bytes into domain models or raise ``ParseError``.
"""
