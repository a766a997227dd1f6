"""IBANs: every one valid by an independent implementation (python-stdnum), none ever repeated."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from django.test import override_settings
from stdnum import iban as stdnum_iban

from apps.accounts.models import Account
from apps.accounts.services import numbers, opening
from bankcore.testing.threads import run_concurrently
from tests.apps.accounts.factories import verified_customer


@pytest.mark.django_db
def test_three_thousand_numbers_make_three_thousand_valid_distinct_ibans() -> None:
    ibans = [numbers.iban_for_number(number=numbers.account_number_next()) for _ in range(3000)]
    assert len(set(ibans)) == 3000
    invalid = [iban for iban in ibans if not stdnum_iban.is_valid(iban)]
    assert invalid == []
    assert all(iban[4:12] == "10020030" for iban in ibans)


@pytest.mark.django_db
def test_numbers_only_grow() -> None:
    taken = [numbers.account_number_next() for _ in range(50)]
    assert taken == sorted(taken)
    assert len(set(taken)) == 50


@override_settings(BANK_COUNTRY="AT", BANK_CODE="19043")
def test_an_austrian_bank_code_gives_austrian_ibans() -> None:
    iban = numbers.iban_for_number(number=1_000_123)
    assert iban.startswith("AT")
    assert stdnum_iban.is_valid(iban)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentOpening:
    THREADS = 8

    def test_numbers_from_eight_threads_never_repeat(self) -> None:
        taken: list[int] = []
        lock = threading.Lock()
        start = threading.Barrier(self.THREADS)

        def worker(_: int) -> None:
            start.wait()
            mine = [numbers.account_number_next() for _ in range(250)]
            with lock:
                taken.extend(mine)

        run_concurrently(worker, count=self.THREADS, barrier=start)
        assert len(taken) == 2000
        assert len(set(taken)) == 2000
        assert all(stdnum_iban.is_valid(numbers.iban_for_number(number=n)) for n in taken)

    def test_accounts_opened_at_once_get_distinct_valid_ibans(self, now: datetime) -> None:
        customers = [verified_customer().pk for _ in range(self.THREADS)]
        start = threading.Barrier(self.THREADS)

        def worker(number: int) -> None:
            start.wait()
            # Every thread opens for every customer (20 at once on the same rows), 3 current + 2 savings each.
            for round_ in range(5):
                customer_id = customers[(number + round_) % self.THREADS]
                for product, currency in (("current", "EUR"), ("savings", "GBP")):
                    try:
                        opening.account_open_for_customer(
                            customer_id=customer_id, product_code=product, currency=currency, now=now
                        )
                    except opening.AccountRefused as refused:
                        if refused.code != "too_many_accounts":
                            raise

        run_concurrently(worker, count=self.THREADS, barrier=start)
        ibans = list(Account.objects.values_list("iban", flat=True))
        assert len(ibans) == len(set(ibans))
        assert all(stdnum_iban.is_valid(iban) for iban in ibans)
        # The product's maximum held under contention: 3 current and 2 savings per customer, never more.
        for customer_id in customers:
            held = Account.objects.filter(customer_id=customer_id)
            assert held.filter(product__code="current").count() == 3
            assert held.filter(product__code="savings").count() == 2
