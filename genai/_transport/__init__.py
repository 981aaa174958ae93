"""The transport layer: settings, call options, retry decisions, and the sync and asyncio gRPC backends."""
