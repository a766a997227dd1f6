"""Test card numbers and the outcome each one drives (as real acquirers' sandboxes do)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestCard:
    number: str
    outcome: str  # approve / decline / capture_fails / chargeback
    three_ds: bool
    label: str


CARDS = {
    card.number: card
    for card in (
        TestCard("4242424242424242", "approve", False, "approved"),
        TestCard("4000000000000002", "decline", False, "declined (do not honour)"),
        TestCard("4000000000003220", "approve", True, "3-D Secure challenge, then approved"),
        TestCard("4000000000000341", "capture_fails", False, "authorised, then the capture fails"),
        TestCard("4000000000000259", "chargeback", False, "captured, then charged back"),
        TestCard("5555555555554444", "approve", False, "approved (Mastercard)"),
    )
}
THREE_DS_CODE = "123456"


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "card"


def card_for(number: str) -> TestCard | None:
    """The test card, or an approving card for any other Luhn-valid number; None when invalid."""
    if not number.isdigit() or not 12 <= len(number) <= 19 or not luhn_ok(number):
        return None
    return CARDS.get(number, TestCard(number, "approve", False, "approved"))
