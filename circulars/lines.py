"""A circular's lines as the task pages, the download and the document print them: one
per unit of the stored figures, and the total. The rates are never stored: each is
computed where it is printed from its two counts (`rate_counts`), through the one
percent function (`core.formatting.percent`), so the page the head approves, the Excel
file and the PDF print the same 82.4%."""

#: Rates that figures counted before kept beside their counts (a fraction rounded to
#: four places). Never read: the rates are computed from the counts, which those figures
#: hold too; left out of `canonical_figures`.
LEGACY_RATE_KEYS = ("ack_rate", "compliance_rate")

LINE_KEYS = (
    "named",
    "leave",
    "deferred",
    "exempt",
    "absent",
    "withdrawn",
    "in_progress",
    "makeup_owed",
    "makeup_overdue",
    "notified",
    "acknowledged",
    "cadres",
    "compliant",
)


def circular_rows(figures) -> list[dict]:
    """The circular's lines as printed and shown on the task pages, one per unit of the
    figures: expected = named − exempt − still in progress; excused = leave + deferred;
    absent = without approval (withdrawn apart). So on every line
    named = attended + leave + deferred + exempt + absent + withdrawn + in progress and
    attended + excused + absent + withdrawn = expected."""
    rows = []
    for row in figures.get("units", []):
        get = row.get
        rows.append(
            {
                "unit": row["unit"],
                "expected": get("named", 0) - get("exempt", 0) - get("in_progress", 0),
                "attended": get("attended", 0),
                "excused": get("leave", 0) + get("deferred", 0),
                **{k: get(k, 0) for k in LINE_KEYS},
            }
        )
    return rows


def total_line(rows: list[dict]) -> dict:
    """The sum of `rows` (`circular_rows`), every count but the unit's name."""
    return {k: sum(r[k] for r in rows) for k in (rows[0] if rows else {}) if k != "unit"}


def circular_summary(figures) -> dict:
    """The figures' totals and the number of cadres expected, for the task pages."""
    totals = {k: v for k, v in dict(figures.get("totals", {})).items() if k not in LEGACY_RATE_KEYS}
    totals["expected"] = (
        totals.get("named", 0) - totals.get("exempt", 0) - totals.get("in_progress", 0)
    )
    return totals


def rate_counts(line: dict) -> dict[str, tuple[int, int]]:
    """The rates of `line` (a unit's or the total, `circular_rows`; or the totals) as
    the two counts each is computed from: attendance (attended of expected),
    acknowledgement (acknowledged of notified), hours compliance (compliant of cadres)."""
    expected = line.get("named", 0) - line.get("exempt", 0) - line.get("in_progress", 0)
    return {
        "attendance_rate": (line.get("attended", 0), expected),
        "ack_rate": (line.get("acknowledged", 0), line.get("notified", 0)),
        "compliance_rate": (line.get("compliant", 0), line.get("cadres", 0)),
    }


def canonical_figures(figures: dict) -> dict:
    """The figures without what only tells how they were stored, for comparing figures
    counted at different times (`services.figures_digest`): the rates figures counted
    before kept (`LEGACY_RATE_KEYS`) and the overdue makeups' cadre ids (figures counted
    before kept none; the text names the cadres by unit and name)."""

    def lean(row: dict, keys) -> dict:
        return {k: v for k, v in row.items() if k not in keys}

    canonical = dict(figures)
    if "units" in canonical:
        canonical["units"] = [lean(row, LEGACY_RATE_KEYS) for row in canonical["units"]]
    if "totals" in canonical:
        canonical["totals"] = lean(canonical["totals"], LEGACY_RATE_KEYS)
    if "overdue_makeups" in canonical:
        canonical["overdue_makeups"] = [
            lean(row, ("cadre_id",)) for row in canonical["overdue_makeups"]
        ]
    return canonical
