"""The cache layer: a JSON-only disk store (with an optional memory tier) and shared generations.

Beside `storage/` and `upstream/`: it knows diskcache and files, nothing about answers. The
answer cache in `services/answer_cache.py` builds its keys and coherence on top of it.
"""
