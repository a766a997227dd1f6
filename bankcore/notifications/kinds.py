"""The kinds of notification the contexts send, so the preferences page can list every one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    email_default: bool


_kinds: dict[str, Kind] = {}


def register_kind(key: str, *, label: str, email_default: bool = True) -> None:
    """Declare a kind (``"kyc.case"``); call from ``AppConfig.ready``. The inbox always receives it."""
    _kinds[key] = Kind(key=key, label=label, email_default=email_default)


def kind_get(key: str) -> Kind:
    try:
        return _kinds[key]
    except KeyError:
        raise ValueError(f"notification kind {key!r} is not registered (register_kind in AppConfig.ready)") from None


def kinds_all() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda k: k.label)


# What the bank itself says (security notices, terms): always e-mailed unless switched off.
register_kind("bank.notice", label="Notices from the bank")
