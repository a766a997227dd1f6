"""Files for the document tests, made here with Pillow and pypdf (nothing checked in)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

GPS_IFD = 0x8825
MAKE = 0x010F


def jpeg(*, size: tuple[int, int] = (320, 200), colour: str = "navy", gps: bool = False) -> bytes:
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[MAKE] = "Spy Camera"
        exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
        image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"secret comment")
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def png(*, size: tuple[int, int] = (240, 160), colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.txt", "hidden after the image")
    return out.getvalue()


def pdf(*, pages: int = 1, author: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if author:
        writer.add_metadata({"/Author": author})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_javascript() -> bytes:
    """A one-page PDF whose name tree runs a script when opened."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    script = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hi')")}
    )
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("run"), writer._add_object(script)])})
    writer._root_object[NameObject("/Names")] = writer._add_object(DictionaryObject({NameObject("/JavaScript"): tree}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_open_action_obfuscated() -> bytes:
    """``/OpenAction`` spelled with a hex escape (``/Open#41ction``), as malware does to dodge byte scans."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    action = DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc")})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue().replace(b"/OpenAction", b"/Open#41ction").replace(b"/Launch", b"/L#61unch")


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def truncated_jpeg() -> bytes:
    data = jpeg(size=(640, 480), colour="olive")
    return data[: len(data) // 2]


def corrupt_png() -> bytes:
    data = bytearray(png())
    data[40] ^= 0xFF  # inside the image data chunk: its CRC no longer matches
    return bytes(data)


def attach_documents(*, customer_id: int, now: datetime) -> list[int]:
    """Upload what the customer's open case still needs (ID front and back, selfie, a business's
    register extract), as the wizard would, so the case can be submitted."""
    from apps.kyc import documents
    from apps.kyc import services as kyc

    case_id = kyc.case_open(customer_id=customer_id, now=now)
    batch = [
        documents.Upload(kind, f"{kind}.jpg", jpeg(colour="silver"))
        for kind in documents.documents_missing(case_id=case_id)
    ]
    return (
        documents.documents_upload(customer_id=customer_id, case_id=case_id, uploads_=batch, now=now) if batch else []
    )
