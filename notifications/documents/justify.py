"""Justified Chinese: each line of a paragraph fills the type area (撑满版心, GB/T 9704).

WeasyPrint justifies a line by widening its spaces only (`text-align: justify`, CSS Text
3's inter-word method), and Chinese has none: a line that ends in a number ("参训率达到",
"100%。" carried over) or before a character that may not start a line stops short of
the right edge, by up to a few characters. Chinese typesetting (W3C clreq, 行尾对齐)
spreads that room between the characters instead — what WPS and Word do for 公文.

`install()` teaches WeasyPrint that: each full-width character (an ideograph or full-width
punctuation, `unicodedata.east_asian_width` W or F) is one more expansion opportunity,
like a space, and when the justified line is drawn each gets the line's spacing as Pango
letter-spacing, half before it and half after (`room_count`). Latin words and numbers keep their own
spacing; so do dashes and ellipses ("——", "……", ambiguous width), which must not
come apart. The text itself is untouched: it reads back and copies out as written.

This wraps two internals of WeasyPrint (`layout.inline.count_expandable_spaces` and
`text.line_break.Layout.set_text`), pinned in pyproject.toml. If they are not there, the
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
        set_text = line_break.Layout.set_text
    except (ImportError, AttributeError):
        logger.warning("WeasyPrint's internals changed: Chinese lines are left unjustified.")
        return False

    def count_expandable(box):
        if isinstance(box, boxes.TextBox) and box.text:
            return count_spaces(box) + room_count(box.text)
        return count_spaces(box)  # a line or inline box: sums its children through us

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

    inline.count_expandable_spaces = count_expandable
    line_break.Layout.set_text = set_justified_text
    _installed = True
    return True
