"""Reading untrusted request values: ids, page numbers and search strings, each bounded so
that no value typed into a URL or a form reaches the database out of range."""

# The largest id a BigAutoField (DEFAULT_AUTO_FIELD) holds; past it SQLite raises
# OverflowError and PostgreSQL "bigint out of range".
ID_MAX = 2**63 - 1
# A page number beyond any list we show; its offset stays far inside the range above.
PAGE_MAX = 1_000_000
# Longer search strings find nothing a shorter one would not, and SQLite refuses LIKE
# patterns past 50,000 bytes ("LIKE or GLOB pattern too complex").
SEARCH_MAX_LENGTH = 100


def positive_int(value, maximum: int = ID_MAX) -> int | None:
    """A query or form value as an id (1 … `maximum`), or None for anything else: not
    plain ASCII digits, zero, or out of range."""
    value = str(value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(maximum)):
        return None
    number = int(value)
    return number if 0 < number <= maximum else None


def page_number(value) -> int:
    """The page asked for in a query, 1 when it is missing, odd or past any list."""
    return positive_int(value, maximum=PAGE_MAX) or 1


def search_text(value) -> str:
    """A search or filter string from a query: stripped, without NUL characters (which
    PostgreSQL refuses in a string), and at most SEARCH_MAX_LENGTH characters."""
    return str(value or "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH].strip()
