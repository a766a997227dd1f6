"""Names as people read them: one normal form, and nothing invisible that changes what is shown.

A name with a right-to-left override displays as one string and compares as another, so the
back office could show a listed name that screening never saw. Every door a name enters by
(forms, serializers, services) cleans it with ``name_clean``; screening reads ``name_for_screening``.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

# Embeddings, overrides, isolates and the implicit marks (LRM, RLM, ALM): they reorder what is
# displayed without changing what is stored.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Joiners are letters' business: Persian needs ZWNJ (U+200C) between letters that must not join,
# several Indic scripts need ZWJ (U+200D). They change shape, never order.
_KEPT_FORMAT = frozenset("\u200c\u200d")


class NameRefused(ValueError):
    """A name that would not display as it is stored; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _hidden(char: str) -> bool:
    category = unicodedata.category(char)
    return category == "Cc" or (category == "Cf" and char not in _KEPT_FORMAT)


def name_clean(value: str) -> str:
    """``value`` in NFKC with single spaces, or NameRefused when it holds invisible controls.

    Compatibility forms (fullwidth letters, ligatures) become their plain letters, so "\uff30utin"
    is screened and shown as "Putin".
    """
    text = unicodedata.normalize("NFKC", value)
    for char in text:
        if char in BIDI_CONTROLS:
            raise NameRefused(
                "bidi_control",
                f"Names may not contain the invisible direction control U+{ord(char):04X}.",
            )
        if _hidden(char):
            code = "control_character" if unicodedata.category(char) == "Cc" else "invisible_character"
            raise NameRefused(code, f"Names may not contain the invisible character U+{ord(char):04X}.")
    return " ".join(text.split())


def name_for_screening(value: str) -> str:
    """What a reader sees of ``value``: NFKC, without invisible format characters. Never raises.

    Screening must hold a payment on a strange name rather than fail, so it drops the invisible
    characters ``name_clean`` would refuse instead of raising. Control characters other than
    white space stay, for the screening service to refuse (NUL cannot be stored).
    """
    text = unicodedata.normalize("NFKC", value)
    visible = "".join(char for char in text if unicodedata.category(char) != "Cf" or char in _KEPT_FORMAT)
    return " ".join(visible.split())


def validate_name(value: str) -> None:
    """The form and model validator of ``name_clean``'s rule."""
    try:
        name_clean(value)
    except NameRefused as refused:
        raise ValidationError(str(refused), code=refused.code) from None
