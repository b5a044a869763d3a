"""The documents' text as markup: escaped, with the characters the body faces lack set
in the fallback face (`fallback_markup`), a paragraph's tail kept unbroken
(`paragraph_markup`) and the 主送机关 joined and kept whole (`recipients_markup`)."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from notifications.documents.page import CHARS_PER_LINE
from notifications.documents.words import NUMBER_GROUP, SEVERAL, set_width, tail_start

BODY_FACES = ("FandolFang", "FandolKai")  # the faces body text and 楷体 headings use


@functools.lru_cache(maxsize=1)
def body_face_coverage() -> frozenset[int] | None:
    """Code points that every body face (FandolFang, FandolKai) has, read from the fonts'
    cmaps; None when a face or fontconfig is missing (then nothing is marked up)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        from fontTools.ttLib import TTFont
    except ImportError:  # pragma: no cover - a WeasyPrint dependency
        return None
    covered: set[int] | None = None
    for family in BODY_FACES:
        try:
            out = subprocess.run(
                [fc_list, f"{family}:style=Regular", "file"],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        files = [line.rsplit(":", 1)[0].strip() for line in out.splitlines() if line.strip()]
        if not files:
            return None
        try:
            with TTFont(files[0], lazy=True, fontNumber=0) as font:
                cmap = set(font.getBestCmap() or ())
        except Exception:  # noqa: BLE001 - an unreadable font: mark nothing up
            return None
        covered = cmap if covered is None else covered & cmap
    return frozenset(covered or ())


def _needs_fallback(ch: str, coverage: frozenset[int]) -> bool:
    return ord(ch) > 0x7F and not ch.isspace() and ord(ch) not in coverage


def fallback_markup(text: str) -> SafeString:
    """`text` escaped, with runs of characters the body faces lack (堃 玥 喆 镕, which
    come from the Noto Serif CJK SC fallback) wrapped in `<span class="fb">`. The span's
    line height is neutralised in the stylesheet, so the fallback face's taller ascent
    and descent do not push its line off the 28.8 pt grid."""
    text = "" if text is None else str(text)
    coverage = body_face_coverage()
    if not coverage:
        return escape(text)
    parts, run, in_fallback = [], [], False
    for ch in text:
        fallback = _needs_fallback(ch, coverage)
        if fallback != in_fallback and run:
            chunk = escape("".join(run))
            parts.append(f'<span class="fb">{chunk}</span>' if in_fallback else chunk)
            run = []
        run.append(ch)
        in_fallback = fallback
    if run:
        chunk = escape("".join(run))
        parts.append(f'<span class="fb">{chunk}</span>' if in_fallback else chunk)
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


def _whole_spans(text: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where `text` holds a number with its unit or date (2026年, 5月15日, 160学时, 12人次,
    附件3) or one of `words`: the spans a line never ends inside, merged, in order."""
    spans = [
        match.span()
        for match in NUMBER_GROUP.finditer(text)
        if any(ch.isdigit() for ch in match.group()) and not match.group().isascii()
    ]  # a bare number or a Latin word is never broken anyway
    for word in words:
        if len(word) > 1:
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(word), text)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _kept_whole(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    """text[start:end] escaped (`fallback_markup`), each span inside it in a `.whole`
    span."""
    parts = []
    for a, b in spans:
        if start <= a and b <= end:
            parts.append(fallback_markup(text[start:a]))
            parts.append(f'<span class="whole">{fallback_markup(text[a:b])}</span>')
            start = b
    parts.append(fallback_markup(text[start:end]))
    return "".join(parts)


def paragraph_markup(text: str, whole: tuple[str, ...] = ()) -> SafeString:
    """A body paragraph's markup: its numbers and the `whole` words unbroken
    (`_whole_spans`), its tail (`words.tail_start`, moved back to the start of a span it
    would cut) unbroken."""
    text = "" if text is None else str(text)
    spans = _whole_spans(text, whole)
    cut = tail_start(text)
    cut = next((a for a, b in spans if a < cut < b), cut)
    head = _kept_whole(text, spans, 0, cut)
    if cut >= len(text):
        return mark_safe(head)  # noqa: S308 - escaped piece by piece
    tail = _kept_whole(text, spans, cut, len(text))
    return mark_safe(f'{head}<span class="tail">{tail}</span>')  # noqa: S308


#: a formula of a table's note (参训率＝参训÷（点名－免训－未结）): one piece where it fits
FORMULA = re.compile(r"[^；。，：\s]+＝[^；。]+")


def note_markup(text: str) -> SafeString:
    """A table's note as a paragraph (`paragraph_markup`), each formula that fits a line
    kept on one."""
    formulas = tuple(
        m.group() for m in FORMULA.finditer(text) if set_width(m.group()) <= CHARS_PER_LINE
    )
    return paragraph_markup(text, formulas)


def lines_markup(lines: list[str]) -> SafeString:
    return mark_safe("<br>".join(fallback_markup(line) for line in lines))  # noqa: S308


def recipients_markup(recipients) -> SafeString:
    """主送机关 (GB/T 9704-2012 7.3.2): named bodies of a kind joined by 、, a group
    (各县（市、区）委组织部, 市直有关单位) set off by ，, the last followed by ：; each
    addressee with its mark unbroken (a line never ends inside 城市建设投资集团有限公司),
    unless it is longer than a line."""
    recipients = [str(r) for r in recipients or () if str(r).strip()]
    pieces = []
    for n, name in enumerate(recipients):
        if n == len(recipients) - 1:
            mark = "："
        elif SEVERAL.search(name) or SEVERAL.search(recipients[n + 1]):
            mark = "，"
        else:
            mark = "、"
        piece = fallback_markup(name + mark)
        whole = set_width(name + mark) <= CHARS_PER_LINE
        pieces.append(f'<span class="whole">{piece}</span>' if whole else piece)
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped
