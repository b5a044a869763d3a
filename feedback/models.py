"""Models of the feedback app (see the package docstring)."""
