"""The bank's own ledger accounts for clearing, opened on first use.

- settlement: the bank's position at the clearing house (an asset, debit-normal, may go
  negative): outgoing payments are captured into it, incoming credits paid out of it;
- suspense: incoming money for an IBAN nobody here holds, waiting for staff (a liability).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from apps.payments.models.settlement import ClearingAccount
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount

_NAMES = {
    ClearingAccount.Code.SETTLEMENT: ("SEPA settlement (clearing house)", LedgerAccount.NormalSide.DEBIT, True),
    ClearingAccount.Code.SUSPENSE: ("Incoming payments in suspense", LedgerAccount.NormalSide.CREDIT, False),
}


def clearing_ledger_id(*, code: str) -> int:
    """The ledger account id of ``code`` (``settlement`` | ``suspense``), opening it the first time."""
    found = ClearingAccount.objects.filter(code=code).values_list("ledger_account_id", flat=True).first()
    if found is not None:
        return int(found)
    name, side, negative = _NAMES[ClearingAccount.Code(code)]
    try:
        with transaction.atomic():
            ledger_id = ledger.account_open(
                name=name, currency="EUR", allow_negative=negative, kind=LedgerAccount.Kind.INTERNAL, normal_side=side
            )
            ClearingAccount.objects.create(code=code, ledger_account_id=ledger_id)
            return ledger_id
    except IntegrityError:
        # Opened by a concurrent first use: take that one (ours rolled back with the savepoint).
        return int(ClearingAccount.objects.get(code=code).ledger_account_id)


def settlement_ledger_id() -> int:
    return clearing_ledger_id(code=ClearingAccount.Code.SETTLEMENT)


def suspense_ledger_id() -> int:
    return clearing_ledger_id(code=ClearingAccount.Code.SUSPENSE)
