"""Requests: typed configs, the config coercer, and the request builders (pure)."""
