"""Reading generated PDFs back, as the tests do: the text of every page, and the same
with line breaks and spaces taken out (a sentence that wraps is still found whole)."""

import io

import pdfplumber


def text(data: bytes) -> str:
    """The text of every page of the PDF `data`, page after page."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages)


def flat(data: bytes) -> str:
    """`text(data)` without line breaks and spaces."""
    return text(data).replace("\n", "").replace(" ", "")


def stored_flat(document) -> str:
    """`flat` of an issued document's stored file."""
    with document.file.open("rb") as handle:
        return flat(handle.read())
