"""Account numbers from one database sequence, and the IBANs that carry them.

The IBAN is built by schwifty for the bank's ``BANK_COUNTRY`` and ``BANK_CODE``; the number is
the BBAN's account part, zero-padded to the country's length. On PostgreSQL the number comes from
the sequence ``accounts_account_number_seq`` (never reused, never blocks a concurrent opening);
elsewhere from a counter row locked until the opening transaction commits.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from apps.accounts.models import AccountNumberCounter

SEQUENCE = "accounts_account_number_seq"
FIRST_NUMBER = 1_000_000


def account_number_next() -> int:
    """The next account number; unique across every account ever opened here."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [SEQUENCE])
            row = cursor.fetchone()
        assert row is not None
        return int(row[0])
    with transaction.atomic():
        counter = AccountNumberCounter.objects.select_for_update().order_by("pk").first()
        if counter is None:
            counter = AccountNumberCounter.objects.create(next_number=FIRST_NUMBER)
        number = counter.next_number
        AccountNumberCounter.objects.filter(pk=counter.pk).update(next_number=F("next_number") + 1)
        return number


def bank_identity() -> tuple[str, str, str]:
    """(country, bank code, BIC) from the settings."""
    return settings.BANK_COUNTRY, settings.BANK_CODE, settings.BANK_BIC


def iban_is_ours(*, iban: str) -> bool:
    """Whether ``iban`` (compact, checked) carries this bank's country and bank code, account or not."""
    country, bank_code, _ = bank_identity()
    try:
        parsed = IBAN(iban)
    except SchwiftyException:
        return False
    # A country whose BBAN has a branch code keeps it in BANK_CODE's place (see iban_for_number).
    return parsed.country_code == country and bank_code in (parsed.bank_code, parsed.bank_code + parsed.branch_code)


def iban_for_number(*, number: int) -> str:
    """The IBAN (electronic form, no spaces) of account ``number`` at this bank."""
    country, bank_code, _ = bank_identity()
    return str(IBAN.generate(country, bank_code=bank_code, account_code=str(number)).compact)
