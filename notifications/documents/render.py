"""Rendering official documents to PDF with WeasyPrint, after GB/T 9704-2012.

`render_pdf(context, document_number=...)` turns a `DocumentContext` into PDF bytes. It
does not touch the database: numbering and storage are `notifications.services`' job.

WeasyPrint's font configuration (a fontconfig scan) and the parsed stylesheet are built
once per process and reused, which is most of the difference between a fresh
`HTML(...).write_pdf()` and this function. Rendering holds a process-wide lock: Pango and
fontconfig objects are shared, and rendering is CPU-bound, so threads gain nothing anyway.
"""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.template.loader import render_to_string

from .context import (
    Attachment,
    BarChart,
    Block,
    DocumentContext,
    FormFields,
    Heading,
    Paragraph,
    Table,
)

MM = 72 / 25.4  # points per millimetre
TYPE_WIDTH = 156 * MM  # 版心 width, 442.2 pt
TYPE_HEIGHT = 225 * MM  # 版心 height, 637.8 pt
PAGE_TOP = 37 * MM  # 天头
PAGE_LEFT = 28 * MM  # 订口
BODY_SIZE = 16.0  # 3号
TITLE_SIZE = 22.0  # 2号
TITLE_LINE = 35.0  # line pitch of a title that wraps
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
# Line pitch: 22 lines must fit in 225 mm (637.8 pt / 22 = 28.99 pt) with a little room for
# a line that mixes in a fallback face with taller metrics (rare characters).
LINE = 28.8
# 28 characters of 16 pt are 448 pt, 5.8 pt more than the type area: tighten each one.
TRACKING = -0.215
CHAR = BODY_SIZE + TRACKING
SEAL_SIZE = 42 * MM  # the usual 42 mm round seal
MARK_MAX = 42.0  # 发文机关标志: at most about 15 mm a character
MARK_TOP = 35 * MM  # 发文机关标志's top edge below the type area's top edge
FOLIO_GAP = 7 * MM  # the page number's dashes 7 mm below the type area

CN_DIGITS = "零一二三四五六七八九"


def pt(value: float) -> str:
    return f"{value:.3f}pt"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五 (for headings up to 99)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def format_date(value: dt.date) -> str:
    """成文日期 in Arabic numerals, no leading zeros: 2026年3月5日."""
    return f"{value.year}年{value.month}月{value.day}日"


def format_document_number(code: str, year: int, number: int) -> str:
    """发文字号: X组通〔2026〕12号 (year in 〔〕, no leading zeros, no 第)."""
    if number < 1:
        raise ValueError("Document numbers start at 1.")
    return f"{code}〔{year}〕{number}号"


def text_width(text: str) -> float:
    """Width in body characters: CJK and full-width forms count 1, the rest 1/2."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def label_for(level: int, n: int) -> str:
    if level == 1:
        return f"{chinese_numeral(n)}、"
    if level == 2:
        return f"（{chinese_numeral(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def _blocks(blocks: list[Block] | tuple[Block, ...]) -> list[dict]:
    counters = [0, 0, 0, 0, 0]
    result = []
    for block in blocks:
        if isinstance(block, Paragraph):
            result.append({"type": "p", "text": block.text})
        elif isinstance(block, Heading):
            level = min(max(block.level, 1), 4)
            counters[level] += 1
            for deeper in range(level + 1, 5):
                counters[deeper] = 0
            result.append(
                {
                    "type": "h",
                    "level": level,
                    "label": label_for(level, counters[level]),
                    "text": block.text,
                }
            )
        elif isinstance(block, Table):
            widths = list(block.widths)
            if widths and len(widths) == len(block.columns):
                total = sum(widths)
                widths = [f"{100 * w / total:.2f}" for w in widths]
            else:
                widths = []
            result.append(
                {
                    "type": "table",
                    "columns": [str(c) for c in block.columns],
                    "rows": [["" if c is None else str(c) for c in row] for row in block.rows],
                    "widths": widths,
                    "blank_rows": range(block.blank_rows),
                    "caption": block.caption,
                }
            )
        elif isinstance(block, FormFields):
            result.append({"type": "form", "labels": list(block.labels)})
        elif isinstance(block, BarChart):
            result.append(_chart(block))
        else:
            raise TypeError(f"Not a document block: {block!r}")
    return result


def _chart(chart: BarChart) -> dict:
    """Geometry of a horizontal bar chart, in points, for `_bar_chart.svg`."""
    width = round(TYPE_WIDTH, 2)
    label_w = 150.0
    x0 = label_w + 8
    plot_w = width - x0 - 44
    row, bar_h, top = 22.0, 13.0, 30.0
    maximum = chart.maximum or max((v for _, v in chart.bars), default=1) or 1
    bars = []
    for i, (label, value) in enumerate(chart.bars):
        y = top + i * row + (row - bar_h) / 2
        w = max(0.0, min(float(value), maximum)) / maximum * plot_w
        bars.append(
            {
                "label": label,
                "value": f"{float(value):.1f}{chart.unit}",
                "y": f"{y:.2f}",
                "w": f"{w:.2f}",
                "text_y": f"{y + bar_h - 3:.2f}",
                "value_x": f"{x0 + w + 4:.2f}",
            }
        )
    bottom = top + len(chart.bars) * row
    ticks = [
        {"x": f"{x0 + plot_w * k / 5:.2f}", "label": f"{maximum * k / 5:g}{chart.unit}"}
        for k in range(6)
    ]
    return {
        "type": "chart",
        "title": chart.title,
        "width": f"{width:.2f}",
        "height": f"{bottom + 20:.2f}",
        "center": f"{width / 2:.2f}",
        "top": f"{top:.2f}",
        "bottom": f"{bottom:.2f}",
        "tick_y": f"{bottom + 12:.2f}",
        "label_x": f"{label_w:.2f}",
        "x0": f"{x0:.2f}",
        "bar_h": f"{bar_h:.2f}",
        "bars": bars,
        "ticks": ticks,
    }


def _attachment_list(attachments: list[Attachment] | tuple[Attachment, ...]) -> list[dict]:
    """附件说明 rows: "附件：1.名称"; a single attachment is not numbered."""
    several = len(attachments) > 1
    return [
        {"number": f"{i}." if several else "", "title": attachment.title}
        for i, attachment in enumerate(attachments, start=1)
    ]


def _seal_source(seal) -> str:
    """The seal as a data: URL, so rendering never fetches anything."""
    if isinstance(seal, bytes):
        data, mime = seal, _sniff(seal)
    else:
        path = Path(seal)
        data = path.read_bytes()
        mime = mimetypes.guess_type(path.name)[0] or _sniff(data)
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _sniff(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    return "image/svg+xml"


TITLE_CHARS = 20  # 2号 characters on one line of the type area
BREAK_AFTER = "的于和与及、年期届"


def _title_lines(title: str) -> list[str]:
    """Break a long title into balanced lines (the standard asks for a trapezoid or
    diamond, not a long line and a short tail), preferring breaks after 的/于/和/与/及.
    Line breaks in the title itself are kept as given."""
    given = [line.strip() for line in title.splitlines() if line.strip()]
    if len(given) != 1:
        return given or [title]
    title = given[0]
    width = text_width(title)
    if width <= TITLE_CHARS:
        return [title]
    count = -(-int(width) // TITLE_CHARS)
    lines, rest = [], title
    for remaining in range(count, 1, -1):
        target = text_width(rest) / remaining
        best, best_score = 1, None
        for cut in range(1, len(rest)):
            w = text_width(rest[:cut])
            if w > TITLE_CHARS:
                break
            score = abs(w - target) - (3 if rest[cut - 1] in BREAK_AFTER else 0)
            if rest[cut - 1].isdigit() and rest[cut].isdigit():
                continue  # never split a number
            if best_score is None or score < best_score:
                best, best_score = cut, score
        lines.append(rest[:best])
        rest = rest[best:]
    lines.append(rest)
    return lines


def css_text() -> str:
    return render_to_string(
        "documents/gbt9704.css",
        {
            "line": pt(LINE),
            "two_lines": pt(2 * LINE),
            "two_chars": pt(2 * CHAR),
            "four_chars": pt(4 * CHAR),
            "list_width": pt(TYPE_WIDTH - 2 * CHAR),
            "tracking": pt(TRACKING),
            "folio_top": pt(FOLIO_GAP - 7),
            "banji_line": pt(LINE),
            "title_line": pt(TITLE_LINE),
            "seal_size": pt(SEAL_SIZE),
            "seal_half_neg": pt(-SEAL_SIZE / 2),
            # The signer's line is the first in the box: its middle is LINE / 2 down. The
            # seal's centre sits a little above the middle of the two lines.
            "seal_top": pt(LINE - 8 - SEAL_SIZE / 2),
        },
    )


def em_top(size: float, line_height: float, font: tuple[float, float]) -> float:
    """How far the top of the CJK em box (0.88 em above the baseline) sits below the top
    of a line box of `line_height`, for a face with hhea (ascent, descent) in em."""
    ascent, descent = font
    return (line_height - (ascent + descent) * size) / 2 + (ascent - 0.88) * size


NOTO = (1.151, 0.286)  # Noto Serif CJK SC (and Sans) hhea metrics
FANDOL = (0.88, 0.12)  # FandolFang


def banner(mark_size: float) -> dict:
    """Vertical offsets of the 版头 and the title, measured between em boxes as the
    standard measures them: the mark's top 35 mm below the type area, the number two
    blank lines under the mark, the red rule 4 mm under the number, the title two blank
    lines under the rule and the 主送机关 one blank line under the title."""
    mark_top = em_top(mark_size, mark_size, NOTO)
    mark_below = mark_size - (mark_top + mark_size)  # em-box bottom to line bottom (< 0)
    number_top = em_top(BODY_SIZE, LINE, FANDOL)
    number_below = LINE - number_top - BODY_SIZE
    title_top = em_top(TITLE_SIZE, TITLE_LINE, NOTO)
    title_below = TITLE_LINE - title_top - TITLE_SIZE
    return {
        "mark_size": pt(mark_size),
        "mark_top": pt(MARK_TOP - mark_top),
        "number_top": pt(2 * LINE - mark_below - number_top),
        "rule_top": pt(4 * MM - number_below),
        "title_top": pt(2 * LINE - title_top),
        "recipients_top": pt(LINE - title_below - number_top),
    }


def template_context(
    context: DocumentContext, *, document_number: str, preview: bool = False
) -> dict:
    mark = context.issuer.mark_text
    mark_size = min(MARK_MAX, TYPE_WIDTH * 0.96 / max(text_width(mark), 1))
    return {
        "preview": preview,
        "issuer_name": context.issuer.name,
        "mark": mark,
        "banner": banner(mark_size),
        "doc_number": document_number,
        "title": " ".join(_title_lines(context.title)),
        "title_lines": _title_lines(context.title),
        "recipients": ("，".join(context.recipients) + "：") if context.recipients else "",
        "body": _blocks(context.body),
        "attachment_list": _attachment_list(context.attachments),
        "signer": context.signature_text,
        "date": format_date(context.date),
        "seal": _seal_source(context.issuer.seal) if context.issuer.seal else None,
        "note": context.note,
        "attachments": [
            {"label": f"附件{i}", "title": a.title, "blocks": _blocks(a.blocks)}
            for i, a in enumerate(context.attachments, start=1)
        ],
        "cc": ("，".join(context.cc) + "。") if context.cc else "",
        "printed_by": context.printed_by_text,
        "printed_on": format_date(context.printed_on_date),
    }


def render_html(
    context: DocumentContext,
    *,
    document_number: str,
    preview: bool = False,
    inline_css: bool = False,
) -> str:
    """The document's HTML. With `inline_css` the stylesheet is included, which makes a
    standalone page (used by the benchmark to time bare WeasyPrint on the same input)."""
    data = template_context(context, document_number=document_number, preview=preview)
    if inline_css:
        data["css"] = css_text()
    return render_to_string("documents/official.html", data)


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


_lock = threading.Lock()
_cache: dict = {}


def _resources():
    """The shared FontConfiguration, stylesheet and URL fetcher (built once)."""
    if not _cache:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        font_config = FontConfiguration()
        _cache["font_config"] = font_config
        _cache["css"] = CSS(string=css_text(), font_config=font_config)
        # Only data: URLs (the seal); nothing is fetched from files or the network.
        _cache["fetcher"] = URLFetcher(allowed_protocols={"data"})
    return _cache["font_config"], _cache["css"], _cache["fetcher"]


def reset_cache() -> None:
    """Forget the cached font configuration and stylesheet (after template changes)."""
    with _lock:
        _cache.clear()


def render_pdf(
    context: DocumentContext, *, document_number: str, preview: bool = False
) -> RenderedPdf:
    """Render `context` with `document_number` printed under the red mark."""
    from weasyprint import HTML

    html = render_html(context, document_number=document_number, preview=preview)
    with _lock:
        font_config, css, fetcher = _resources()
        document = HTML(string=html, url_fetcher=fetcher).render(
            stylesheets=[css], font_config=font_config
        )
        data = document.write_pdf()
    return RenderedPdf(data=data, pages=len(document.pages))
