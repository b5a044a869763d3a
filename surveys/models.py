"""Models of the surveys app (see the package docstring)."""
