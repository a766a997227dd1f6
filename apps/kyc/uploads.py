"""What an uploaded identity document really is, and the clean copy staff and the customer see.

No database, no storage: bytes in, a verdict out. A file is recognised by its content only,
never by its name or the type the browser claims: its first bytes must be a JPEG, PNG or PDF
signature, and then it must actually decode (Pillow) or parse (pypdf). The copy shown to
people is re-encoded from the decoded pixels (or re-written page by page), so metadata (EXIF
with GPS, XMP, comments, colour profiles), trailing data (a ZIP appended to a JPEG) and
anything else the encoder did not produce itself are gone. PDFs that can run anything
(JavaScript, launch actions, automatic actions, embedded files, forms that submit) are refused
outright: a re-written PDF could still carry them.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from bankcore.errors import DomainError

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf"}

_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PDF_MAGIC = b"%PDF-"

# Names whose presence anywhere in a PDF means it can act rather than just show.
ACTIVE_PDF_NAMES = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/OpenAction",
        "/AA",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
    }
)
# A PDF with more objects than this is not an identity document; walking it would only cost.
_PDF_MAX_OBJECTS = 20_000


class UploadRefused(DomainError):
    """The file is not an acceptable document; ``code`` names the rule and the message says it to the customer.

    Codes: ``upload_empty``, ``upload_too_large``, ``upload_executable``, ``upload_html``,
    ``upload_archive``, ``upload_type_unknown``, ``upload_corrupt``, ``upload_too_many_pixels``,
    ``upload_too_many_pages``, ``pdf_encrypted``, ``pdf_active_content``.
    """

    code = "upload_refused"


@dataclass(frozen=True)
class Inspected:
    """A file that passed: its real type, the clean copy to show, and facts about the original."""

    media_type: str  # of both the original and the copy: a JPEG stays a JPEG
    extension: str
    copy: bytes  # re-encoded: no metadata, no trailing bytes
    original_sha256: str
    original_size: int
    width: int | None  # images only
    height: int | None
    pages: int | None  # PDFs only


def sniff(data: bytes) -> str:
    """The media type the first bytes announce; raises ``UploadRefused`` naming what it is instead."""
    if not data:
        raise UploadRefused("The file is empty.", code="upload_empty")
    if data.startswith(_JPEG_MAGIC):
        return JPEG
    if data.startswith(_PNG_MAGIC):
        return PNG
    if data.startswith(_PDF_MAGIC):
        return PDF
    if data.startswith((b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")):
        raise UploadRefused(
            "This file is a program, not a photo or a PDF: upload a JPEG, PNG or PDF.", code="upload_executable"
        )
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<")):
        raise UploadRefused(
            "This file is a web page or markup, not a photo or a PDF: upload a JPEG, PNG or PDF.", code="upload_html"
        )
    if data.startswith((b"PK\x03\x04", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        raise UploadRefused("Archives are not accepted: upload a JPEG, PNG or PDF.", code="upload_archive")
    raise UploadRefused(
        "This file is not a JPEG, PNG or PDF (judged by its content, not its name).", code="upload_type_unknown"
    )


def inspect(*, data: bytes, max_bytes: int, max_pixels: int, max_pages: int) -> Inspected:
    """Check ``data`` by content and make its clean copy; raises ``UploadRefused`` for anything else."""
    if len(data) > max_bytes:
        raise UploadRefused(
            f"The file is {size_text(len(data))}; at most {size_text(max_bytes)} is accepted.", code="upload_too_large"
        )
    media_type = sniff(data)
    digest = hashlib.sha256(data).hexdigest()
    if media_type == PDF:
        copy, pages = _pdf_copy(data, max_pages=max_pages)
        return Inspected(media_type, EXTENSIONS[media_type], copy, digest, len(data), None, None, pages)
    copy, width, height = _image_copy(data, media_type=media_type, max_pixels=max_pixels)
    return Inspected(media_type, EXTENSIONS[media_type], copy, digest, len(data), width, height, None)


def size_text(size: int) -> str:
    """A size as people read it: MB from a megabyte, else kB."""
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{max(size // 1000, 1)} kB"


def _corrupt(kind: str) -> UploadRefused:
    return UploadRefused(
        f"This {kind} is damaged or incomplete and cannot be read: take or export it again.", code="upload_corrupt"
    )


def _image_copy(data: bytes, *, media_type: str, max_pixels: int) -> tuple[bytes, int, int]:
    kind = "JPEG" if media_type == JPEG else "PNG"
    expected = "JPEG" if media_type == JPEG else "PNG"
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard warns at half its limit; ours is the setting, checked below.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if media_type == PNG:
                with Image.open(io.BytesIO(data)) as probe:
                    probe.verify()  # chunk CRCs and structure, before any pixel is decoded
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected:
                    raise _corrupt(kind)
                width, height = image.size
                if width * height > max_pixels:
                    raise UploadRefused(
                        f"The image is {width} by {height} pixels; at most {max_pixels // 1_000_000} megapixels are"
                        " accepted.",
                        code="upload_too_many_pixels",
                    )
                image.load()  # a truncated file raises here (LOAD_TRUNCATED_IMAGES stays off)
                upright = ImageOps.exif_transpose(image)  # the photo as it was taken, before EXIF goes
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(
            f"The image has too many pixels; at most {max_pixels // 1_000_000} megapixels are accepted.",
            code="upload_too_many_pixels",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _corrupt(kind) from None
    mode = "RGB" if media_type == JPEG else ("RGBA" if upright.mode in ("RGBA", "LA", "P", "PA") else "RGB")
    if upright.mode in ("L",):
        mode = "L"
    pixels = upright.convert(mode)
    # A new image from the raw pixels only: nothing of the file's info (EXIF, ICC, XMP, text) rides along.
    fresh = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if media_type == JPEG:
        fresh.save(out, format="JPEG", quality=90, optimize=True)
    else:
        fresh.save(out, format="PNG", optimize=True)
    return out.getvalue(), width, height


def _resolved(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _walk_active(reader: PdfReader) -> str | None:
    """The first active name anywhere in the document's object graph, or None; names are decoded (``/J#53``)."""
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [reader.trailer]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > _PDF_MAX_OBJECTS:
            raise _corrupt("PDF")
        if isinstance(node, DictionaryObject | StreamObject):
            for name, value in node.items():
                if str(name) == "/OpenAction" and isinstance(_resolved(value), ArrayObject):
                    continue  # a destination to open at (a page and a zoom), as many writers set: no action
                if str(name) in ACTIVE_PDF_NAMES:
                    return str(name)
                if isinstance(value, NameObject) and str(value) in ACTIVE_PDF_NAMES:
                    return str(value)
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
        elif isinstance(node, NameObject) and str(node) in ACTIVE_PDF_NAMES:
            return str(node)
    return None


def _pdf_copy(data: bytes, *, max_pages: int) -> tuple[bytes, int]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UploadRefused(
                "This PDF is password-protected or encrypted: upload it without protection.", code="pdf_encrypted"
            )
        active = _walk_active(reader)
        if active is not None:
            raise UploadRefused(
                f"This PDF contains active content ({active.lstrip('/')}): scripts, actions and attached files are"
                " not accepted. Print it to a new PDF or upload a photo instead.",
                code="pdf_active_content",
            )
        pages = len(reader.pages)
        if pages == 0:
            raise _corrupt("PDF")
        if pages > max_pages:
            raise UploadRefused(
                f"The PDF has {pages} pages; at most {max_pages} are accepted.", code="upload_too_many_pages"
            )
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.metadata = None  # no Producer, no Author: nothing of the original's /Info or ours
        out = io.BytesIO()
        writer.write(out)
        copy = out.getvalue()
        PdfReader(io.BytesIO(copy)).pages[0]  # the copy must itself be readable
    except UploadRefused:
        raise
    except (PdfReadError, PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise _corrupt("PDF") from None
    return copy, pages
