"""The clearing simulator's verification-of-payee endpoint: the payee's bank, answering over HTTP.

It stands for the outside world (DESIGN.md §1) and imports nothing of the bank: it knows its
own small directory of account holders and matches names by its own normalisation, as another
bank's VoP responder would. The answers are the EPC VoP scheme's:

- ``MTCH`` the name matches the holder's;
- ``CMTC`` close (a typo, another order of the same names): the holder's name is sent back;
- ``NMTC`` no match;
- ``NOAP`` the check is not possible.

A sandbox chooses the answer by the creditor name: ``SIM VOP CMTC``, ``SIM VOP NMTC`` and
``SIM VOP NOAP`` force that answer (``CMTC`` then names ``SIM VOP HOLDER``). An IBAN the
directory does not know answers ``MTCH``: the sandbox's other banks accept every name.

POST ``{"requesting_bic": str, "party": {"name": str, "iban": str}}``
→ 200 ``{"result": "MTCH" | "CMTC" | "NMTC" | "NOAP", "matched_name": str | null}``;
a body that is not that → 400 ``{"error": str}``.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

# The holders the simulated other banks know (demo payees), IBAN → name.
DIRECTORY: dict[str, str] = {
    "DE89370400440532013000": "Max Mustermann",
    "FR1420041010050500013M02606": "Marie Dupont",
    "NL91ABNA0417164300": "Jan de Vries",
    "ES9121000418450200051332": "Lucia Garcia Lopez",
    "IT60X0542811101000000123456": "Giulia Rossi",
    "AT611904300234573201": "Acme Handels GmbH",
}
FORCED = re.compile(r"^SIM VOP (MTCH|CMTC|NMTC|NOAP)\b")
CLOSE_ENOUGH = 0.85
_LEGAL_FORMS = frozenset(
    {"gmbh", "ag", "sa", "sarl", "sas", "bv", "nv", "ltd", "limited", "plc", "inc", "llc", "srl", "spa"}
)
_MAX_BODY = 4096


def normalise(name: str) -> str:
    """Lower case, no accents, no punctuation, no legal form, single spaces."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(t for t in text.split() if t not in _LEGAL_FORMS)


def directory() -> dict[str, str]:
    """The built-in holders, plus ``$CLEARING_DIR/simulator/vop_directory.json`` when present."""
    known = dict(DIRECTORY)
    path = Path(os.environ.get("CLEARING_DIR", "var/clearing")) / "simulator" / "vop_directory.json"
    if path.is_file():
        try:
            extra = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            extra = {}
        if isinstance(extra, dict):
            known.update({str(k).replace(" ", "").upper(): str(v) for k, v in extra.items()})
    return known


def answer(*, name: str, iban: str) -> dict[str, str | None]:
    """What the payee's bank answers for ``name`` on ``iban``."""
    forced = FORCED.match(name.strip().upper())
    if forced:
        result = forced.group(1)
        return {"result": result, "matched_name": "SIM VOP HOLDER" if result == "CMTC" else None}
    holder = directory().get(iban.replace(" ", "").upper())
    if holder is None:
        return {"result": "MTCH", "matched_name": None}
    asked, known = normalise(name), normalise(holder)
    if not asked:
        return {"result": "NOAP", "matched_name": None}
    if asked == known:
        return {"result": "MTCH", "matched_name": None}
    same_names = sorted(asked.split()) == sorted(known.split())
    if same_names or SequenceMatcher(None, asked, known).ratio() >= CLOSE_ENOUGH:
        return {"result": "CMTC", "matched_name": holder}
    return {"result": "NMTC", "matched_name": None}


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


@csrf_exempt
@require_POST
def vop_view(request: HttpRequest) -> HttpResponse:
    if len(request.body) > _MAX_BODY:
        return _bad("body too large")
    try:
        body = json.loads(request.body)
    except ValueError:
        return _bad("the body is not JSON")
    party = body.get("party") if isinstance(body, dict) else None
    if not isinstance(party, dict):
        return _bad("party is required")
    name, iban = party.get("name"), party.get("iban")
    if not isinstance(name, str) or not isinstance(iban, str) or not iban.strip():
        return _bad("party.name and party.iban are strings")
    return JsonResponse(answer(name=name, iban=iban))
