"""Recognising an upload by its content, and the clean copy made of it (no database)."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject

from apps.kyc import uploads
from apps.kyc.uploads import UploadRefused
from tests.apps.kyc import document_files as files

LIMITS = {"max_bytes": 10_000_000, "max_pixels": 40_000_000, "max_pages": 10}


def refused(data: bytes, **limits: int) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        uploads.inspect(data=data, **(LIMITS | limits))
    return caught.value


class TestRecognisedByContent:
    @pytest.mark.parametrize(
        ("data", "code", "words"),
        [
            (files.ELF, "upload_executable", "program"),
            (files.PE, "upload_executable", "program"),
            (files.HTML, "upload_html", "web page"),
            (b"   <html><img src=x onerror=alert(1)></html>", "upload_html", "web page"),
            (files.zip_bytes(), "upload_archive", "Archives"),
            (b"GIF89a\x01\x00\x01\x00", "upload_type_unknown", "not a JPEG, PNG or PDF"),
            (b"", "upload_empty", "empty"),
        ],
    )
    def test_anything_but_jpeg_png_pdf_is_refused_naming_what_it_is(self, data: bytes, code: str, words: str) -> None:
        error = refused(data)
        assert error.code == code
        assert words in str(error)

    def test_a_png_is_a_png_whatever_it_is_called(self) -> None:
        assert uploads.inspect(data=files.png(), **LIMITS).media_type == "image/png"

    def test_the_jpeg_signature_alone_is_not_enough(self) -> None:
        assert refused(b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20).code == "upload_corrupt"

    def test_a_truncated_jpeg_is_refused(self) -> None:
        error = refused(files.truncated_jpeg())
        assert error.code == "upload_corrupt"
        assert "damaged or incomplete" in str(error)

    def test_a_png_with_a_broken_checksum_is_refused(self) -> None:
        assert refused(files.corrupt_png()).code == "upload_corrupt"

    def test_a_garbled_pdf_is_refused(self) -> None:
        assert refused(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage").code == "upload_corrupt"


class TestLimits:
    def test_one_byte_over_the_size_limit_is_refused(self) -> None:
        data = files.jpeg()
        assert uploads.inspect(data=data, **(LIMITS | {"max_bytes": len(data)})).original_size == len(data)
        error = refused(data, max_bytes=len(data) - 1)
        assert error.code == "upload_too_large"
        assert "at most" in str(error)

    def test_an_image_over_the_pixel_limit_is_refused_before_it_is_decoded(self) -> None:
        data = files.png(size=(2001, 1000))  # small file, many pixels: a bomb in miniature
        assert refused(data, max_pixels=2_000_000).code == "upload_too_many_pixels"
        assert uploads.inspect(data=data, **(LIMITS | {"max_pixels": 2_001_000})).width == 2001

    def test_a_real_decompression_bomb_is_refused(self) -> None:
        out = io.BytesIO()
        Image.new("L", (12_000, 12_000)).save(out, format="PNG")  # 144 megapixels in ~140 kB
        assert len(out.getvalue()) < 1_000_000
        assert refused(out.getvalue()).code == "upload_too_many_pixels"

    def test_too_many_pdf_pages_are_refused(self) -> None:
        assert refused(files.pdf(pages=3), max_pages=2).code == "upload_too_many_pages"


class TestCleanCopy:
    def test_the_copy_of_a_jpeg_has_no_exif_gps_or_comment(self) -> None:
        original = files.jpeg(gps=True)
        with Image.open(io.BytesIO(original)) as before:
            assert before.getexif().get_ifd(files.GPS_IFD)  # the test file really carries a position
        result = uploads.inspect(data=original, **LIMITS)
        with Image.open(io.BytesIO(result.copy)) as after:
            assert after.format == "JPEG"
            assert dict(after.getexif()) == {}
            assert "exif" not in after.info
            assert "comment" not in after.info
            assert after.size == (320, 200)
        assert b"Spy Camera" not in result.copy
        assert b"secret comment" not in result.copy

    def test_the_copy_of_a_jpeg_carrying_a_zip_ends_where_the_image_ends(self) -> None:
        polyglot = files.jpeg() + files.zip_bytes()
        result = uploads.inspect(data=polyglot, **LIMITS)
        assert result.copy.endswith(b"\xff\xd9")
        assert b"PK\x03\x04" not in result.copy
        assert b"payload.txt" not in result.copy

    def test_the_copy_of_a_png_keeps_only_pixels(self) -> None:
        out = io.BytesIO()
        info = PngInfo()
        info.add_text("Author", "Someone")
        Image.new("RGB", (50, 40), "red").save(out, format="PNG", pnginfo=info)
        result = uploads.inspect(data=out.getvalue() + b"trailing", **LIMITS)
        assert b"Someone" not in result.copy
        assert result.copy.endswith(b"IEND\xaeB`\x82")
        with Image.open(io.BytesIO(result.copy)) as after:
            assert after.getpixel((0, 0)) == (255, 0, 0)

    def test_the_original_is_described_not_changed(self) -> None:
        original = files.jpeg(gps=True)
        result = uploads.inspect(data=original, **LIMITS)
        assert result.original_sha256 == hashlib.sha256(original).hexdigest()
        assert result.original_size == len(original)


class TestPdf:
    def test_a_pdf_with_javascript_is_refused(self) -> None:
        error = refused(files.pdf_with_javascript())
        assert error.code == "pdf_active_content"
        assert "JavaScript" in str(error) or "JS" in str(error)

    def test_an_open_action_hidden_behind_hex_escapes_is_still_found(self) -> None:
        data = files.pdf_with_open_action_obfuscated()
        assert b"/OpenAction" not in data  # a byte scan would miss it
        assert refused(data).code == "pdf_active_content"

    def test_an_open_action_that_only_names_a_page_is_no_action(self) -> None:
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        page = writer.pages[0].indirect_reference
        writer._root_object[NameObject("/OpenAction")] = ArrayObject([page, NameObject("/Fit")])
        out = io.BytesIO()
        writer.write(out)
        assert uploads.inspect(data=out.getvalue(), **LIMITS).pages == 1

    def test_a_clean_pdf_is_rewritten_without_its_metadata(self) -> None:
        result = uploads.inspect(data=files.pdf(pages=2, author="Jane Q. Customer"), **LIMITS)
        assert result.media_type == "application/pdf"
        assert result.pages == 2
        assert b"Jane Q. Customer" not in result.copy
        reread = PdfReader(io.BytesIO(result.copy))
        assert len(reread.pages) == 2
        assert not reread.metadata
