"""The service layer's asyncio source, written once; genai._sync is generated from it.

Every module here (but this one) is rewritten into genai._sync by scripts/unasync.py (``make
generate``). So: name classes ``AsyncX`` (the sync twin is ``X``), make I/O only through the
transport's interface (``unary``, ``server_stream``, ``bidi``, ``sleep``, ``gather``), and put
anything that must differ between threads and tasks in a hand-written ``AsyncX``/``X`` pair outside
this package (genai._chats.waiting is one). The generator refuses output that still says ``async``,
``await`` or ``asyncio``.
"""
