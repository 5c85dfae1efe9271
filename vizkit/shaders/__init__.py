"""GLSL sources shipped with vizkit (read through importlib.resources)."""
