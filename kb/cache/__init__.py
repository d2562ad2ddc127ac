"""The validation cache: each file's parsed and checked result kept on disk between runs."""

from defectkb.cache.store import CACHE_DIR, FORMAT, ValidationCache, cache_home

__all__ = ["CACHE_DIR", "FORMAT", "ValidationCache", "cache_home"]
