"""Safe parsing and validation against the official schemas in ``xsd/`` (see xsd/SOURCE.md)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from apps.payments.iso20022.messages import NAMESPACES, IsoError

XSD_DIR = Path(__file__).resolve().parent / "xsd"
# A clearing file is a few megabytes at most; anything far larger is refused before parsing.
MAX_BYTES = 64 * 1024 * 1024


def _parser() -> etree.XMLParser:
    # No entity expansion (billion laughs, external entities), no DTD loading, no network, no
    # huge-tree mode: the defusedxml settings, expressed through lxml's own switches.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False
    )


@cache
def schema(kind: str) -> etree.XMLSchema:
    """The compiled XSD of ``kind`` (``"pacs.008.001.09"`` …)."""
    path = XSD_DIR / f"{kind}.xsd"
    return etree.XMLSchema(etree.parse(str(path), _parser()))


def parse(data: bytes) -> tuple[str, etree._Element]:
    """Parse ``data`` and name its message; raises IsoError(not_xml | unknown_message | schema_invalid)."""
    if len(data) > MAX_BYTES:
        raise IsoError(f"the file is larger than {MAX_BYTES} bytes", code="too_large")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise IsoError(f"not XML: {error}", code="not_xml") from None
    if root is None:
        raise IsoError("not XML: empty document", code="not_xml")
    # A DOCTYPE is never part of these messages; refusing it closes the door on entity tricks.
    if root.getroottree().docinfo.doctype:
        raise IsoError("a DOCTYPE is not allowed in a clearing file", code="not_xml")
    namespace = etree.QName(root).namespace
    kind = next((name for name, uri in NAMESPACES.items() if uri == namespace), None)
    if kind is None or etree.QName(root).localname != "Document":
        raise IsoError(f"not one of {', '.join(sorted(NAMESPACES))}: root is {root.tag}", code="unknown_message")
    validate(root, kind=kind)
    return kind, root


def validate(root: etree._Element, *, kind: str) -> None:
    """Raise IsoError(schema_invalid) naming the first problem if ``root`` breaks the XSD of ``kind``."""
    xsd = schema(kind)
    if not xsd.validate(root):
        error = xsd.error_log.last_error
        where = f" (line {error.line})" if error is not None else ""
        message = error.message if error is not None else "invalid"
        raise IsoError(f"not valid {kind}{where}: {message}", code="schema_invalid")
