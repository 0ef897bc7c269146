"""Uploaded documents (receipts, rent contracts, certificates), checked by their content, never by their name.

Only PDF, JPEG and PNG. An image is fully decoded and encoded again (which drops its metadata: location,
camera, comments), refused above a pixel limit (a decompression bomb, ``Image.MAX_IMAGE_PIXELS``). A PDF must
open and have a page, and is refused when it carries JavaScript, automatic actions that launch something, or
embedded files. Every refusal has a code the e-service turns into a plain message (docs/etjanst.md).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
FORBIDDEN_PDF = (b"/JavaScript", b"/JS", b"/EmbeddedFile", b"/EmbeddedFiles", b"/Launch", b"/RichMedia",
                 b"/XFA")
FORBIDDEN_NAMES = {name.decode() for name in FORBIDDEN_PDF}


class Refused(Exception):  # noqa: N818 - a refusal, not a failure
    """The file is not accepted; ``code``: too_large | empty | type | unreadable | too_many_pixels | active_pdf."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Checked:
    media_type: str
    content: bytes  # what is stored: the re-encoded image, or the PDF as sent


def sniff(content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def check(content: bytes, max_bytes: int, max_pixels: int) -> Checked:
    if len(content) > max_bytes:
        raise Refused("too_large")
    if not content:
        raise Refused("empty")
    kind = sniff(content)
    if kind is None:
        raise Refused("type")
    if kind == PDF:
        _check_pdf(content)
        return Checked(PDF, content)
    return Checked(kind, _reencode(content, kind, max_pixels))


def _reencode(content: bytes, kind: str, max_pixels: int) -> bytes:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow warns above it and refuses above twice it
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as img:
                if img.format != ("PNG" if kind == PNG else "JPEG"):
                    raise Refused("type")
                width, height = img.size
                if width * height > max_pixels:
                    raise Refused("too_many_pixels")
                img.load()
                out = io.BytesIO()
                if kind == PNG:
                    clean = img.convert("RGBA" if "A" in img.getbands() else "RGB")
                    clean.save(out, format="PNG", optimize=False)
                else:
                    clean = img.convert("RGB")
                    clean.save(out, format="JPEG", quality=90)
                return out.getvalue()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise Refused("too_many_pixels") from None
    except Refused:
        raise
    except Exception:  # noqa: BLE001 - whatever Pillow cannot decode is not accepted
        raise Refused("unreadable") from None


def _check_pdf(content: bytes) -> None:
    if any(marker in content for marker in FORBIDDEN_PDF):
        raise Refused("active_pdf")
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if len(reader.pages) < 1:
            raise Refused("unreadable")
        seen: set[tuple[int, int]] = set()
        todo: list[Any] = [reader.trailer]
        while todo:  # every object reachable from the trailer, also inside compressed object streams
            obj = todo.pop()
            if isinstance(obj, IndirectObject):
                ref = (obj.idnum, obj.generation)
                if ref in seen:
                    continue
                seen.add(ref)
                obj = obj.get_object()
            if isinstance(obj, DictionaryObject):
                for k, v in obj.items():
                    if str(k) in FORBIDDEN_NAMES or (isinstance(v, NameObject) and str(v) in FORBIDDEN_NAMES):
                        raise Refused("active_pdf")
                    todo.append(v)
            elif isinstance(obj, ArrayObject):
                todo.extend(obj)
    except Refused:
        raise
    except Exception:  # noqa: BLE001 - a PDF that does not open is not accepted
        raise Refused("unreadable") from None
