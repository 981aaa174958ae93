"""Command line entry point (`genai`); `demo` lists the services the stubs expose."""

from __future__ import annotations

import sys

from genai_protos import _pool, flat  # noqa: F401  (loads every file into the pool)

SERVICES = [
    "GenerativeService",
    "ModelService",
    "CacheService",
    "FileService",
    "RetrieverService",
    "PermissionService",
    "TextService",
    "DiscussService",
    "PredictionService",
]


def main(argv: list[str] | None = None) -> int:
    for name in SERVICES:
        service = _pool.POOL.FindServiceByName(f"google.ai.generativelanguage.v1beta.{name}")
        print(service.full_name)
        for method in service.methods:
            stream = "stream " if method.server_streaming else ""
            print(f"  {method.name}({method.input_type.name}) -> {stream}{method.output_type.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
