"""Justified Chinese: each line of a paragraph fills the type area (撑满版心, GB/T 9704).

WeasyPrint justifies a line by widening its spaces only (`text-align: justify`, CSS Text
3's inter-word method), and Chinese has none: a line that ends in a number ("参训率达到",
"100%。" carried over) or before a character that may not start a line stops short of
the right edge, by up to a few characters. Chinese typesetting (W3C clreq, 行尾对齐)
spreads that room between the characters instead — what WPS and Word do for 公文.

`install()` teaches WeasyPrint that: each full-width character (an ideograph or full-width
punctuation, `unicodedata.east_asian_width` W or F) is one more expansion opportunity,
like a space, and when the justified line is drawn each gets the line's spacing as Pango
letter-spacing, half before it and half after (`room_count`); where Pango leaves a half
out, at the ends of a run set apart (a rare character in the fallback face, a bold
word), the run is moved by it instead, so the spacing stays even. Latin words and
numbers keep their own spacing; so do dashes and ellipses ("——", "……", ambiguous
width), which must not come apart. The text itself is untouched: it reads back and
copies out as written.

This replaces one internal of WeasyPrint (`layout.inline.justify_line`) and wraps another
(`text.line_break.Layout.set_text`), pinned in pyproject.toml. If they are not there, the
documents are left ragged rather than broken, with a warning; the test of the right edge
(tests/notifications/test_justified_lines.py) fails on such an upgrade.
"""

from __future__ import annotations

import logging
import unicodedata

logger = logging.getLogger(__name__)

_installed = False


def expands(ch: str) -> bool:
    """Whether a justified line may widen the room after `ch`."""
    return unicodedata.east_asian_width(ch) in "WF"


def room_count(text: str) -> float:
    """How many times a justified line's spacing `text` takes, set as one run: Pango puts
    half of a character's letter-spacing before it and half after, and drops the half
    that would stand outside the run — so the characters are evenly spaced and the run
    starts and ends flush."""
    count = sum(1 for ch in text if expands(ch))
    return count - 0.5 * expands(text[0]) - 0.5 * expands(text[-1])


def install() -> bool:
    """Patch WeasyPrint once per process; True if inter-character justification is on."""
    global _installed
    if _installed:
        return True
    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import inline
        from weasyprint.text import line_break
        from weasyprint.text.ffi import TO_UNITS, ffi, pango

        count_spaces = inline.count_expandable_spaces
        create_layout = line_break.create_layout
        set_text = line_break.Layout.set_text
        inline.justify_line  # noqa: B018 - replaced below: fail here if it is gone
    except (ImportError, AttributeError):
        logger.warning("WeasyPrint's internals changed: Chinese lines are left unjustified.")
        return False

    def text_boxes(box):
        if isinstance(box, boxes.TextBox):
            if box.text:
                yield box
        elif isinstance(box, boxes.LineBox | boxes.InlineBox):
            for child in box.children:
                if child.is_in_normal_flow():
                    yield from text_boxes(child)

    def justify_line(context, line, extra_width):
        """Spread `extra_width` over the line's spaces and the room after each of its
        full-width characters but the last (and before the first)."""
        texts = list(text_boxes(line))
        if not texts:
            return
        first, last = texts[0], texts[-1]
        count = sum(count_spaces(box) + sum(map(expands, box.text)) for box in texts)
        count -= 0.5 * expands(first.text[0]) + 0.5 * expands(last.text[-1])
        if count > 0:
            spread(context, line, extra_width / count, 0.0, first, last)

    def spread(context, box, spacing, x_advance, first, last):
        """Move and widen `box` and what it holds by the room they take (`spacing` a
        space or a full-width character); returns how far the next box moves."""
        if isinstance(box, boxes.TextBox):
            text = box.text
            # The half-spacings Pango leaves out at the ends of a run, between runs.
            if text and box is not first and expands(text[0]):
                x_advance += spacing / 2
            box.justification_spacing = spacing
            box.position_x += x_advance
            count = count_spaces(box) + room_count(text) if text else 0
            if count > 0:
                layout = create_layout(text, box.style, context, None, spacing)
                layout.deactivate()
                box.width += spacing * count
                x_advance += spacing * count
                box.pango_layout = layout
            if text and box is not last and expands(text[-1]):
                x_advance += spacing / 2
        elif isinstance(box, boxes.LineBox | boxes.InlineBox):
            box.position_x += x_advance
            before = x_advance
            children = box.children[::-1] if box.style["direction"] == "rtl" else box.children
            for child in children:
                if child.is_in_normal_flow():
                    x_advance = spread(context, child, spacing, x_advance, first, last)
            box.width += x_advance - before
        else:  # an atomic inline box (an image)
            box.translate(x_advance, 0)
        return x_advance

    def set_justified_text(self, text, justify=False):
        set_text(self, text, justify)
        if not (justify and self.justification_spacing and self.text):
            return
        letter_spacing = self.style["letter_spacing"]
        if letter_spacing == "normal":
            letter_spacing = 0
        spacing = int((self.justification_spacing + letter_spacing) * TO_UNITS)
        attributes = pango.pango_layout_get_attributes(self.layout)
        if attributes == ffi.NULL:
            attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        start = 0
        for ch in self.text:
            size = len(ch.encode())
            if expands(ch):
                attribute = pango.pango_attr_letter_spacing_new(spacing)
                attribute.start_index, attribute.end_index = start, start + size
                pango.pango_attr_list_change(attributes, attribute)
            start += size
        pango.pango_layout_set_attributes(self.layout, attributes)

    inline.justify_line = justify_line
    line_break.Layout.set_text = set_justified_text
    _installed = True
    return True
