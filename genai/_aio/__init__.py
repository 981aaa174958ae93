"""The service layer's asyncio source: written once, the sync face is generated from it."""
