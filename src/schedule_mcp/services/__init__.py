"""Services: compose storage, upstream clients and the cache for the tool layer."""
