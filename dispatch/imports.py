"""Import kinds (imports.kinds): see register_kinds."""


def register_kinds(registry) -> None:
    """Register this module's import kinds."""
