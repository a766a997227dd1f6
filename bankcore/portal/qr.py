"""QR codes drawn on the server as SVG (no outside service sees the TOTP secret)."""

from __future__ import annotations

import base64

import qrcode
import qrcode.image.svg


def qr_data_uri(text: str) -> str:
    """A data: URI of an SVG QR code; an <img> shows it under a CSP without inline styles."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()
