"""Client-side cost of genai against the raw generated grpcio stub (and the official client).

Run ``make bench`` (or ``python -m benchmarks``; ``--quick`` for a smoke run). The emulator always
runs in a separate process on loopback, so only the client's own CPU is measured. See
docs/benchmarks.md for the method and the latest results.
"""
