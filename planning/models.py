"""Models of the planning app (see the package docstring)."""
