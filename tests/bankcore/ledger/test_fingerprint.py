"""An entry's fingerprint is what a replay is compared with: it must never change for a request."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bankcore.ledger.models import Entry
from bankcore.ledger.services import _fingerprint, _transfer_fingerprint
from bankcore.ledger.values import Leg, TransferRequest
from bankcore.money import MAX_MINOR, Money


def as_first_written(legs: list[Leg], kind: str, description: str, reverses_id: int | None) -> str:
    """The fingerprint as it was first defined (and stored in every entry since)."""
    canonical = sorted((leg.account_id, leg.amount.minor, leg.amount.currency) for leg in legs)
    text = json.dumps([kind, description, reverses_id, canonical], separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


accounts = st.integers(min_value=-MAX_MINOR - 1, max_value=MAX_MINOR)
amounts = st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR).filter(bool)


@given(
    legs=st.lists(
        st.builds(Leg, accounts, st.builds(Money, amounts, st.sampled_from(["EUR", "USD", "JPY", "KWD"]))),
        min_size=1,
        max_size=6,
    ),
    kind=st.sampled_from([*Entry.Kind, "transfer", "journal"]),  # the services pass the enum
    description=st.text(),
    reverses_id=st.none() | st.integers(min_value=1, max_value=MAX_MINOR),
)
def test_the_written_out_fingerprint_is_the_json_one(
    legs: list[Leg], kind: str, description: str, reverses_id: int | None
) -> None:
    assert _fingerprint(legs=legs, kind=kind, description=description, reverses_id=reverses_id) == as_first_written(
        legs, kind, description, reverses_id
    )


@pytest.mark.parametrize("description", ["", 'rent "May"', "Miete für Mai", "\\ back \n slash", "\u2028 ☃ 🏦"])
def test_descriptions_that_need_escaping_keep_their_fingerprint(description: str) -> None:
    legs = [Leg(2, Money(-150, "EUR")), Leg(1, Money(150, "EUR"))]
    assert _fingerprint(legs=legs, kind="transfer", description=description) == as_first_written(
        legs, "transfer", description, None
    )


def test_metadata_is_part_of_the_fingerprint() -> None:
    legs = [Leg(1, Money(150, "EUR")), Leg(2, Money(-150, "EUR"))]
    bare = _fingerprint(legs=legs, kind="journal", description="x")
    assert _fingerprint(legs=legs, kind="journal", description="x", metadata={"ref": "a"}) != bare
    assert _fingerprint(legs=legs, kind="journal", description="x", metadata={}) == bare


@given(
    from_id=accounts,
    to_id=accounts,
    amount=st.builds(Money, st.integers(min_value=1, max_value=MAX_MINOR), st.sampled_from(["EUR", "JPY"])),
    description=st.text(),
)
def test_a_batch_transfer_has_the_fingerprint_of_its_two_legs(
    from_id: int, to_id: int, amount: Money, description: str
) -> None:
    request = TransferRequest(from_id, to_id, amount, "key", description)
    legs = [Leg.debit(from_id, amount), Leg.credit(to_id, amount)]
    assert _transfer_fingerprint(request) == _fingerprint(legs=legs, kind=Entry.Kind.TRANSFER, description=description)
