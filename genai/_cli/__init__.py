"""The `genai` command's internals (genai.cli is its entry point)."""
