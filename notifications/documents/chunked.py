"""A document whose attachment holds a long table (a roll call's 附件1 of thousands of
cadres) is rendered in parts of at most `CHUNK_ROWS` rows and the parts' PDFs merged.

WeasyPrint's time and memory grow with the boxes of the whole document (10,000 rows in
one pass took minutes and more than a gigabyte). A part is laid out, written to PDF and
freed before the next; its memory is bounded by the part, not the document.

The parts join seamlessly: a part that does not end the table drops its last page, and
the next part starts on a new page with the first row of that dropped page (rows are
never split across pages), with the repeated header, the page number that page had and
the same side (odd pages right, even pages left, where GB/T 9704 puts the folio). The
caption opens the first part; a 合计 row, the table's notes, the attachment's later
blocks, later attachments and the 版记 close the last.
"""

from __future__ import annotations

import io

CHUNK_ROWS = 400  # rows per part: about 19 pages of a roll call's 附件1


def long_table(data: dict, limit: int) -> tuple[int, int] | None:
    """(attachment index, block index) of the attachments' longest table when it has
    more than `limit` rows, else None (the document is rendered in one pass)."""
    best, spot = limit, None
    for a, attachment in enumerate(data["attachments"]):
        for b, block in enumerate(attachment["blocks"]):
            if block["type"] == "table" and len(block["rows"]) > best:
                best, spot = len(block["rows"]), (a, b)
    return spot


def _table_slice(table: dict, start: int, end: int) -> dict:
    last = end >= len(table["rows"])
    return {
        **table,
        "rows": table["rows"][start:end],
        "row_offset": start,
        "chunked": True,
        "caption": table["caption"] if start == 0 else "",
        "notes": table["notes"] if last else [],
        "total": table["total"] if last else False,
        "blank_rows": table["blank_rows"] if last else range(0),
        "continues": not last,  # its last row is not the table's (kept with the one above)
    }


def part_data(data: dict, spot: tuple[int, int], start: int, end: int, first_page: int) -> dict:
    """Template data for the part holding rows [start, end) of the long table at `spot`.
    The first part is the document up to those rows; a later one starts on page
    `first_page` with the table's header; only the last goes on after the table."""
    a, b = spot
    attachments = data["attachments"]
    attachment = attachments[a]
    table = attachment["blocks"][b]
    last = end >= len(table["rows"])
    piece = _table_slice(table, start, end)
    if start == 0:
        blocks = [*attachment["blocks"][:b], piece]
        earlier = attachments[:a]
        head = {**attachment, "continued": False}
    else:
        blocks = [piece]
        earlier = []
        head = {**attachment, "continued": True}
    if last:
        blocks += attachment["blocks"][b + 1 :]
    later = attachments[a + 1 :] if last else []
    return {
        **data,
        "continued": start > 0,
        "first_page": first_page,
        "first_side": "right" if first_page % 2 else "left",
        "closed": last,
        "attachments": [*earlier, {**head, "blocks": blocks}, *later],
    }


def first_row_on(page) -> int | None:
    """The index (in the whole table) of the first body row laid out on `page`, read from
    the rows' `data-row` attributes; None when the page holds none."""
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        if element is not None and box.element_tag == "tr":
            row = element.get("data-row")
            if row is not None:
                return int(row)
    return None


def merge(parts: list[bytes]) -> bytes:
    """One PDF of the parts' pages in order; the first part's metadata and outline."""
    import pypdfium2

    merged = pypdfium2.PdfDocument(parts[0])
    try:
        for part in parts[1:]:
            source = pypdfium2.PdfDocument(part)
            try:
                merged.import_pages(source)
            finally:
                source.close()
        out = io.BytesIO()
        merged.save(out)
        return out.getvalue()
    finally:
        merged.close()
