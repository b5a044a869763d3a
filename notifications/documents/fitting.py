"""Fitting the closing (附件说明, signature, seal and 附注) onto the page of the body's last
lines by tightening the line pitch, as GB/T 9704-2012 7.3.5 has the typist do (调整行距).

The closing never stands on a page without body text, so when it does not fit under the
body's last lines it takes the last paragraph (and a heading before it) to the next page,
and the page it leaves can be half empty. `shortfall` reads that off a laid-out document:
the page left short, the first body block that starts on it, and the line pitch at which
that block and everything after it, through the closing (and the 版记 when it stands on
the closing's page), would fit on the page instead. `tightened` marks those blocks and
the closing (`tight`) and gives the stylesheet for them (`css`). The renderer lays the
document out again with it and keeps the result only if the closing did come up to that
page with no more pages, nor more blank ones, than before (`fits`); a pitch below MIN_PITCH
is never used: the page is then left as it was.

Positions are WeasyPrint's CSS pixels (0.75 pt).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PX = 0.75  # points per CSS pixel
MIN_PITCH = 25.0  # pt: 22 lines of 28.8 pt become at most 25 lines a page
MIN_BLANK = 2  # lines: less left blank above the closing's page is not worth a change


@dataclass(frozen=True)
class Shortfall:
    page: int  # the page left short (0-based): the closing is to come up to it
    first_block: int  # the first body block to tighten (`data-block`)
    pitch: float  # pt


@dataclass
class _Extent:
    top: float
    bottom: float


def _extents(page) -> tuple[dict[int, _Extent], _Extent | None]:
    """On `page`: each body block's extent by its index, and the closing's."""
    blocks: dict[int, _Extent] = {}
    closing = None
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        if element is None or not hasattr(box, "margin_height"):
            continue
        top, bottom = box.position_y, box.position_y + box.margin_height()
        classes = (element.get("class") or "").split()
        index = element.get("data-block")
        if index is not None:
            extent = blocks.setdefault(int(index), _Extent(top, bottom))
        elif "closing" in classes:
            extent = closing = closing or _Extent(top, bottom)
        else:
            continue
        extent.top, extent.bottom = min(extent.top, top), max(extent.bottom, bottom)
    return blocks, closing


def _footnotes_height(page) -> float:
    """The height of the footnote area (the 版记) at the foot of `page`."""
    for child in page._page_box.children:
        if type(child).__name__ == "FootnoteAreaBox" and child.children:
            return child.margin_height()
    return 0.0


def _area(page) -> tuple[float, float]:
    box = page._page_box
    return box.content_box_y(), box.content_box_y() + box.height


def closing_page(pages) -> int | None:
    for n, page in enumerate(pages):
        if _extents(page)[1] is not None:
            return n
    return None


def _banji_height(pages) -> float:
    """The height of the 版记 (a footnote, on whatever page it stands), or 0."""
    return max((_footnotes_height(page) for page in pages), default=0.0)


def _is_blank(page) -> bool:
    """Whether `page` holds nothing: no text in the flow and no 版记 at its foot."""
    root = page._page_box.children[0]
    has_text = any(
        type(box).__name__ == "TextBox" and box.text.strip() for box in root.descendants()
    )
    return not has_text and not _footnotes_height(page)


def shortfall(pages, line: float, banji_follows: bool = False) -> Shortfall | None:
    """What it would take to bring the closing up to the page before it (`line`: the
    pitch in pt); None if it is where it belongs (or nearly), or could come up only at a
    pitch below MIN_PITCH. `banji_follows`: the 版记 comes right after the closing (no
    attachments), and must then stand at the foot of that page if it is an even one —
    it never stands on an odd one (the stylesheet gives it no room there)."""
    n = closing_page(pages)
    if not n:
        return None
    _, closing = _extents(pages[n])
    before, _ = _extents(pages[n - 1])
    _, bottom = _area(pages[n - 1])
    if not before:
        return None
    body_bottom = max(extent.bottom for extent in before.values())
    if bottom - body_bottom < MIN_BLANK * line / PX:
        return None
    # The first block that starts on the short page (not one carried over to it).
    carried = set(_extents(pages[n - 2])[0]) if n >= 2 else set()
    starting = sorted(set(before) - carried)
    if not starting:
        return None
    region_top = before[starting[0]].top
    needed = (body_bottom - region_top) + (closing.bottom - _area(pages[n])[0])
    even = n % 2 == 0  # page n - 1 (0-based) is page n: an even page
    room = bottom - region_top - (_banji_height(pages) if banji_follows and even else 0.0)
    pitch = math.floor(line * room / needed * 10) / 10  # a little under, rounded down
    if not MIN_PITCH <= pitch < line:
        return None
    return Shortfall(page=n - 1, first_block=starting[0], pitch=pitch)


def fits(pages, wanted: Shortfall, before) -> bool:
    """Whether a layout tightened for `wanted` brought the closing up to its page
    without adding a page, nor leaving one blank (the 版记 sent on to a later even page)
    that `before` (the layout as it was) did not."""
    blank = sum(map(_is_blank, pages))
    return (
        closing_page(pages) == wanted.page
        and len(pages) <= len(before)
        and blank <= sum(map(_is_blank, before))
    )


TIGHTENED = ("body", "closing_tight", "fit_css")  # what `tightened` changes in the data


def tightened(data: dict, wanted: Shortfall, css: str) -> dict:
    """`data` (the template's) with the body blocks from `wanted.first_block` on and the
    closing marked tight, and the stylesheet `css` for them."""
    body = [
        {**block, "tight": True} if block.get("index", -1) >= wanted.first_block else block
        for block in data["body"]
    ]
    return {**data, "body": body, "closing_tight": True, "fit_css": css}
