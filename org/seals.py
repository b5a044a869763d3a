"""What an organization department's seal image (印章图片) must be: a PNG, JPEG or SVG
image, at most SEAL_MAX_BYTES. Another file would render no seal at all — the documents
would go out unsealed without a word — so it is refused when uploaded."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SEAL_MAX_BYTES = 2 * 1024 * 1024
_EXTENSIONS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG"}


def validate_seal_image(upload) -> None:
    name = (getattr(upload, "name", "") or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    refusal = _("The seal must be a PNG, JPEG or SVG image.")
    if upload.size > SEAL_MAX_BYTES:
        raise ValidationError(
            _("The seal image may be at most %(size)s MB.") % {"size": SEAL_MAX_BYTES // 2**20}
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if extension == "svg":
        text = head.decode("utf-8", "ignore").lstrip("\ufeff").lstrip()
        if not text.startswith("<") or "<svg" not in text:
            raise ValidationError(refusal)
        return
    if extension not in _EXTENSIONS:
        raise ValidationError(refusal)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(refusal) from exc
    finally:
        upload.seek(0)
    if kind != _EXTENSIONS[extension]:
        raise ValidationError(refusal)
