"""The google-generativeai style's internals (genai.legacy is its public face)."""
