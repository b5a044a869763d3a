"""Reading untrusted request values."""


def positive_int(value) -> int | None:
    """A query or form value as an id, or None for anything that is not plain digits."""
    value = str(value or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None
