"""Attachments are checked by their content: the type by the first bytes (never the name), images decoded and
encoded again without their metadata, a decompression bomb refused, a PDF with JavaScript, a launch action or
embedded files refused, an unreadable file refused; each refusal by its code."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from adapters.driven.attachments import JPEG, PDF, PNG, Refused, check
from tests.integration.etjanst.kit import pdf, png

MAX = 1024 * 1024


def jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    exif[0x8825] = {1: "N"}  # a GPS block
    Image.new("RGB", (32, 24), (10, 120, 200)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def refused(content: bytes, max_bytes: int = MAX, max_pixels: int = 10_000_000) -> str:
    with pytest.raises(Refused) as e:
        check(content, max_bytes, max_pixels)
    return e.value.code


def test_images_are_re_encoded_without_their_metadata() -> None:
    raw = jpeg_with_exif()
    assert b"SecretCameraMaker" in raw
    out = check(raw, MAX, 10_000_000)
    assert out.media_type == JPEG and b"SecretCameraMaker" not in out.content
    with Image.open(io.BytesIO(out.content)) as img:
        assert img.size == (32, 24) and not img.getexif()
    assert check(png(), MAX, 10_000_000).media_type == PNG


def test_the_type_is_read_from_the_content_never_the_name() -> None:
    assert refused(b"MZ\x90\x00 an executable") == "type"
    assert refused(b"GIF89a....") == "type"
    assert refused(b"") == "empty"
    assert refused(b"\xff\xd8\xff\xe0 not really a jpeg") == "unreadable"
    assert refused(png()[:40]) == "unreadable"


def test_limits_by_bytes_and_by_pixels() -> None:
    assert refused(png(), max_bytes=10) == "too_large"
    assert refused(png(400, 300, exif=False), max_pixels=10_000) == "too_many_pixels"


def test_pdfs_with_scripts_or_embedded_files_are_refused() -> None:
    assert check(pdf(), MAX, 1).media_type == PDF
    assert refused(pdf(javascript=True)) == "active_pdf"
    assert refused(pdf(embedded=True)) == "active_pdf"
    assert refused(b"%PDF-1.7\n garbage without pages") == "unreadable"
