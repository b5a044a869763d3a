"""Seal images from Django storage, for `Issuer.seal`.

`FieldFile.path` exists only on local file storage; on remote storage (S3 and the like)
it raises NotImplementedError. These helpers read the bytes through the storage API, so
they work on any backend:

    from notifications.documents.seals import seal_bytes
    Issuer(name=..., code=..., seal=seal_bytes(org_department.seal))

`seal_data_uri` gives the same image as a `data:` URL — a plain string, safe to pass
through JSON (a Celery task's arguments); `Issuer.seal` accepts it as well.
"""

from __future__ import annotations

import base64
import mimetypes


def seal_bytes(field_file) -> bytes | None:
    """The image stored in `field_file` (a FieldFile / ImageFieldFile), or None when the
    field is empty. Read through `field_file.storage`, never through `.path`."""
    if not field_file or not getattr(field_file, "name", None):
        return None
    with field_file.storage.open(field_file.name, "rb") as f:
        return f.read()


def sniff_mime(data: bytes, name: str = "") -> str:
    """The image's media type: from its first bytes (PNG, JPEG), else its name, else SVG."""
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    guessed = mimetypes.guess_type(name)[0] if name else None
    return guessed or "image/svg+xml"


def data_uri(data: bytes, name: str = "") -> str:
    return f"data:{sniff_mime(data, name)};base64,{base64.b64encode(data).decode('ascii')}"


def seal_data_uri(field_file) -> str | None:
    """The seal in `field_file` as a `data:` URL, or None when the field is empty."""
    data = seal_bytes(field_file)
    if data is None:
        return None
    return data_uri(data, field_file.name)
