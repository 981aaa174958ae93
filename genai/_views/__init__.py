"""Response views, stream accumulation and response enums: pure, no I/O."""
