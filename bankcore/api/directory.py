"""How the kernel learns which customer an account belongs to, without knowing the accounts app.

The accounts context registers its resolver once, in its ``AppConfig.ready()``::

    from bankcore.api import directory

    directory.account_directory_register(
        resolve=lambda ref: ...,      # a wire id or an IBAN the partner sent → DirectoryAccount | None
        describe=lambda account_id: ...,  # an account id → DirectoryAccount | None (for answers)
    )

The consents endpoint uses it to turn the partner's ``accounts`` into account ids and their one
holder. Until something is registered every account is unknown (the endpoint refuses, 422).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DirectoryAccount:
    account_id: int
    customer_id: int
    wire_id: str  # the account's id in the API
    iban: str
    currency: str


Resolve = Callable[[str], DirectoryAccount | None]
Describe = Callable[[int], DirectoryAccount | None]

_registered: dict[str, Callable[..., DirectoryAccount | None]] = {}


def account_directory_register(*, resolve: Resolve, describe: Describe) -> None:
    _registered["resolve"] = resolve
    _registered["describe"] = describe


def account_resolve(ref: str) -> DirectoryAccount | None:
    """The account a partner named by id or IBAN, or None when unknown (or nothing is registered)."""
    resolve = _registered.get("resolve")
    return resolve(ref.strip()) if resolve is not None and ref.strip() else None


def account_describe(account_id: int) -> DirectoryAccount | None:
    describe = _registered.get("describe")
    return describe(account_id) if describe is not None else None
