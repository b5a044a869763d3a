"""An organization department's seal must be an image the documents can print: another
file (an .exe renamed, a PDF, a broken PNG) is refused when uploaded, in words — it
would otherwise print no seal at all, without a word."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from notifications.documents.samples import SAMPLE_SEAL
from org.seals import SEAL_MAX_BYTES, validate_seal_image


def _png(fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(out, format=fmt)
    return out.getvalue()


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'


@pytest.mark.parametrize(
    "name, content",
    [
        ("seal.png", _png()),
        ("seal.JPG", _png("JPEG")),
        ("seal.svg", SVG),
        ("demo.svg", SAMPLE_SEAL.read_bytes()),  # the demo's placeholder seal
    ],
)
def test_an_image_is_accepted(name, content):
    validate_seal_image(SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    "name, content",
    [
        ("seal.exe", b"MZ\x90\x00" + b"\x00" * 100),
        ("seal.png", b"MZ\x90\x00" + b"\x00" * 100),  # renamed
        ("seal.png", _png()[:40]),  # cut short
        ("seal.jpg", _png()),  # a PNG named .jpg
        ("seal.svg", b"%PDF-1.7 not an image"),
        ("seal", _png()),
    ],
)
def test_another_file_is_refused_in_words(name, content):
    with pytest.raises(ValidationError) as refused:
        validate_seal_image(SimpleUploadedFile(name, content))
    assert refused.value.messages == ["印章图片须为PNG、JPEG或SVG格式的图片。"]


def test_a_huge_file_is_refused_before_it_is_read():
    with pytest.raises(ValidationError) as refused:
        validate_seal_image(SimpleUploadedFile("seal.png", b"\x00" * (SEAL_MAX_BYTES + 1)))
    assert "不能超过2MB" in refused.value.messages[0]


def test_the_admin_refuses_a_file_that_is_no_image(world, admin_client):
    department = world.city_od
    page = admin_client.get(f"/admin/org/orgdepartment/{department.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields if name != "seal"}
    data = {k: getattr(v, "pk", v) for k, v in data.items() if v is not None}
    data["seal"] = SimpleUploadedFile("seal.exe", b"MZ\x90\x00" + b"\x00" * 100)
    response = admin_client.post(f"/admin/org/orgdepartment/{department.pk}/change/", data)
    assert response.status_code == 200
    assert "印章图片须为PNG、JPEG或SVG格式的图片。" in response.content.decode()
    department.refresh_from_db()
    assert not department.seal
