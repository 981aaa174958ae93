"""The service layer's sync face: generated from genai._aio (scripts/unasync.py); never edited by hand."""
