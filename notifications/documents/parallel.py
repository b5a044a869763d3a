"""A long table's parts rendered side by side in render processes, at the page breaks one
pass would make.

`notifications.documents.chunked` renders a document whose attachment holds a long table
in parts; a part starts on the page where the previous one's last page began, so the
parts join as in one pass, but each has to wait for the one before. Here the wait goes:

1. **The first part** (the document up to `FIRST_ROWS` rows of the table) is laid out in a
   render process (`part_worker`), which also reports where each row went: its top and
   height on its page, and where each page's area ends.
2. **The page breaks of the rest are predicted** from that: a row's height depends only on
   its number of lines, which the renderer decided itself (`_cell_lines` breaks CJK cells
   into lines; text without CJK fits its column), so each page of the table holds the
   rows whose heights fit the room the first part's pages showed. A row whose height was
   never seen, or a page whose room it fills to within `MARGIN`, ends the prediction there.
3. **The rest is cut into parts at predicted page breaks and laid out by all the render
   processes at once**, each part with the page number and side where it is predicted to
   start. A part is accepted only if it ends where predicted: its pages are as many as
   predicted and the row after its last is what its last (dropped) page began with, so
   the next part starts on a page that one pass would start too. From the first part that
   does not, the rest goes one part after the other, each starting where the previous one
   really ended, as `chunked` does; a wrong prediction costs time, never a wrong page.

Where render processes cannot be started (or `XUNDIAO_RENDER_PROCESSES` is below 2) the
document is rendered in this process, one part after the other (`render._render_in_parts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from notifications.documents.processes import Answer, Workers

FIRST_ROWS = 60  # the first part: the document and about three pages of the table
# Rows of a later part at most: a render process's memory grows with the part (about
# 0.2 MB a row over the 215 MB of Python, WeasyPrint and the fonts), its time a little
# with the number of parts (each lays out the header, embeds its font subsets).
PART_ROWS = 300
MARGIN = 0.5  # CSS px: a page filled to within this of its room is not predicted
SAME = 0.01  # CSS px: heights equal within this are the same height


def line_counts(rows: list) -> list[int]:
    """Lines of each row: its cells' lines as the renderer broke them (`<br>`)."""
    return [max((str(cell).count("<br>") + 1 for cell in row), default=1) for row in rows]


@dataclass
class PageModel:
    """Row heights by number of lines, and the room for rows on a page that starts with
    the table's repeated header, as the first part's layout showed them."""

    heights: dict[int, float]
    room: float
    line: float | None = None  # a cell's line height, for rows of a height not seen

    def height(self, lines: int) -> float | None:
        if lines in self.heights:
            return self.heights[lines]
        if self.line:
            seen, height = next(iter(sorted(self.heights.items())))
            return height + (lines - seen) * self.line
        return None


def page_model(geometry: dict, lines: list[int]) -> PageModel | None:
    """The model of the first part's pages after the first with table rows (those start
    with the repeated header, like every later part's), or None if they disagree."""
    heights: dict[int, float] = {}
    rooms = []
    measured = zip(geometry["rows"], geometry["bottoms"], strict=True)
    pages = [(rows, bottom) for rows, bottom in measured if rows]
    for n, (rows, bottom) in enumerate(pages):
        for row, _top, height in rows:
            seen = heights.setdefault(lines[row], height)
            if abs(seen - height) > SAME:
                return None
        if n > 0:
            rooms.append(bottom - rows[0][1])
    if not rooms or max(rooms) - min(rooms) > SAME:
        return None
    line = geometry.get("line")
    model = PageModel(heights=heights, room=min(rooms), line=line)
    if line is not None and any(
        abs(model.heights[min(heights)] + (n - min(heights)) * line - h) > SAME
        for n, h in heights.items()
    ):
        model.line = None  # the heights seen do not differ by whole lines
    # The model must explain the pages it was made from: every full page's rows fit, and
    # the next page's first row would not have.
    for (rows, _), (following, _) in zip(pages[1:], pages[2:], strict=False):
        used = rows[-1][1] + rows[-1][2] - rows[0][1]
        if used > model.room + SAME or used + following[0][2] <= model.room + SAME:
            return None
    return model


def predict(model: PageModel, lines: list[int], start: int) -> tuple[list[int], int]:
    """Predicted first rows of the pages from `start` (a page start) on, and the row the
    prediction is sure up to (the table's end, or the first page it cannot tell)."""
    starts, used = [start], 0.0
    for row in range(start, len(lines)):
        height = model.height(lines[row])
        if height is None:
            return starts[:-1], starts[-1]
        if abs(used + height - model.room) <= MARGIN:
            return starts[:-1], starts[-1]
        if used + height < model.room:
            used += height
        else:
            starts.append(row)
            used = height
    return starts, len(lines)


def plan_parts(starts: list[int], sure: int, total: int, workers: int, limit: int) -> list:
    """Cut the predicted pages into parts of about equal size, as many as a multiple of
    `workers` and of at most about `limit` rows: (first row, the next part's first row,
    predicted pages). When the prediction reaches the table's end, the last part goes on
    to the end of the document (first row, None, None) and holds at least two pages: a
    合计 row or a note that takes the rows before it along stays within it."""
    if not starts:
        return []
    complete = sure >= total
    end = total if complete else sure
    count = math.ceil(max(workers, math.ceil((end - starts[0]) / limit)) / workers) * workers
    count = min(count, max(1, len(starts) // 2) if complete else len(starts))
    parts, first = [], 0
    for k in range(count):
        upto = round(len(starts) * (k + 1) / count)
        if upto <= first:
            continue
        if upto < len(starts):
            parts.append((starts[first], starts[upto], upto - first))
        elif complete:
            parts.append((starts[first], None, None))
        else:
            parts.append((starts[first], sure, upto - first))
        first = upto
    return parts


def render(data: dict, spot: tuple[int, int], workers: Workers, html_for) -> tuple:
    """The parts' PDFs in order and the number of pages, laid out by `workers` (the caller
    closes them). `html_for(start, end, page)` is the HTML of the part holding rows
    [start, end) and starting on page `page`."""
    a, b = spot
    table_rows = data["attachments"][a]["blocks"][b]["rows"]
    total = len(table_rows)
    lines = line_counts(table_rows)
    processes = len(workers.processes)

    def part(start: int, end: int, page: int, **extra) -> Answer:
        request = {"html": html_for(start, end, page), "start": start, "end": end}
        return workers.submit({**request, "last": end >= total, **extra})

    first = part(0, min(FIRST_ROWS, total), 1, geometry=True).get()
    pdfs, page, start = [first["pdf"]], 1 + first["pages"], first["resume"]
    model = page_model(first, lines) if start is not None else None
    if model is not None:
        starts, sure = predict(model, lines, start)
        answers, number = [], page
        for begin, end, pages in plan_parts(starts, sure, total, processes, PART_ROWS):
            # A part ends with the row after its last: its page is dropped (chunked).
            answers.append((end, pages, part(begin, total if end is None else end + 1, number)))
            number += pages or 0
        for end, pages, answer in answers:
            value = answer.get()
            pdfs.append(value["pdf"])
            page += value["pages"]
            start = value["resume"]
            if end is not None and (start != end or value["pages"] != pages):
                break  # not where predicted: the rest one part after the other
        workers.cancel()
    while start is not None:
        end = min(start + PART_ROWS, total)
        value = part(start, end, page).get()
        pdfs.append(value["pdf"])
        page += value["pages"]
        start = value["resume"]
    return pdfs, page - 1
