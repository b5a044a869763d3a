"""ID numbers on paper, on pages and in the audit trail: enough to tell people apart,
never the whole number. One rule for all three."""


def mask_id_number(value) -> str:
    """`110101199003071234` → `1101**********1234`; a value of 8 characters or fewer is
    all stars; an already masked value passes through."""
    value = str(value or "").strip().upper()
    if not value or "*" in value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
