"""Opening: within the tier, the product's currencies and its maximum; refusals write nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
from stdnum import iban as stdnum_iban

from apps.accounts import interface
from apps.accounts.errors import AccountRefused
from apps.accounts.models import Account
from apps.accounts.services import opening
from bankcore.events.models import OutboxEvent
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import LedgerAccount
from bankcore.money import Money
from tests.apps.accounts.factories import CustomerFactory, open_account, verified_customer

pytestmark = pytest.mark.django_db


def _nothing_written() -> tuple[int, int, int]:
    return (
        Account.objects.count(),
        LedgerAccount.objects.count(),
        OutboxEvent.objects.filter(name="account.opened").count(),
    )


class TestAccountOpen:
    def test_opens_with_a_valid_iban_the_bank_bic_and_its_own_ledger_account(self, now: datetime) -> None:
        account = open_account(now=now)
        assert stdnum_iban.is_valid(account.iban)
        assert account.iban.startswith("DE")
        assert account.iban[4:12] == "10020030"
        assert account.bic == "BCORDEB1XXX"
        assert account.status == "open"
        assert account.opened_at == now
        ledger_account = LedgerAccount.objects.get(pk=account.ledger_account_id)
        assert ledger_account.currency == "EUR"
        assert ledger_account.overdraft_limit_minor == 0
        assert ledger_read.balance(account_id=account.ledger_account_id) == Money(0, "EUR")
        event = OutboxEvent.objects.get(name="account.opened")
        assert event.payload["account_id"] == account.pk
        assert event.payload["iban"] == account.iban

    def test_the_iban_carries_the_account_number(self, now: datetime) -> None:
        account = open_account(now=now)
        assert int(account.iban[12:]) == account.number

    def test_unsupported_currency_is_refused_and_writes_nothing(self, now: datetime) -> None:
        customer = verified_customer()
        before = _nothing_written()
        with pytest.raises(AccountRefused) as refused:
            opening.account_open_for_customer(customer_id=customer.pk, product_code="current", currency="JPY", now=now)
        assert refused.value.code == "unsupported_currency"
        assert "JPY" in str(refused.value)
        assert _nothing_written() == before

    def test_one_too_many_is_refused_and_writes_nothing(self, now: datetime) -> None:
        customer = verified_customer()
        for currency in ("EUR", "GBP", "USD"):  # the current product allows three
            open_account(customer=customer, currency=currency, now=now)
        before = _nothing_written()
        with pytest.raises(AccountRefused) as refused:
            opening.account_open_for_customer(customer_id=customer.pk, product_code="current", currency="HKD", now=now)
        assert refused.value.code == "too_many_accounts"
        assert _nothing_written() == before

    def test_a_closed_account_no_longer_counts(self, now: datetime) -> None:
        customer = verified_customer()
        first = open_account(customer=customer, product_code="savings", now=now)
        open_account(customer=customer, product_code="savings", now=now)
        Account.objects.filter(pk=first.pk).update(status="closed", closed_at=now)
        open_account(customer=customer, product_code="savings", now=now)

    def test_tier_below_the_products_is_refused(self, now: datetime) -> None:
        customer = verified_customer(tier=1)
        with pytest.raises(AccountRefused) as refused:
            opening.account_open_for_customer(customer_id=customer.pk, product_code="savings", currency="EUR", now=now)
        assert refused.value.code == "tier_too_low"

    def test_a_customer_kyc_never_saw_cannot_open(self, now: datetime) -> None:
        customer = CustomerFactory()
        with pytest.raises(AccountRefused) as refused:
            opening.account_open_for_customer(customer_id=customer.pk, product_code="current", currency="EUR", now=now)
        assert refused.value.code == "tier_too_low"

    def test_restricted_customer_cannot_open(self, now: datetime) -> None:
        customer = verified_customer()
        from apps.kyc.models import CustomerKyc

        CustomerKyc.objects.filter(customer=customer).update(restricted=True)
        with pytest.raises(AccountRefused) as refused:
            opening.account_open_for_customer(customer_id=customer.pk, product_code="current", currency="EUR", now=now)
        assert refused.value.code == "customer_restricted"

    def test_unknown_product_is_refused(self, now: datetime) -> None:
        customer = verified_customer()
        with pytest.raises(AccountRefused) as refused:
            opening.account_open_for_customer(customer_id=customer.pk, product_code="gold", currency="EUR", now=now)
        assert refused.value.code == "unknown_product"


class TestFirstCurrentAccount:
    def test_kyc_approval_opens_one_current_eur_account_once(self, now: datetime) -> None:
        from apps.accounts import tasks

        customer = verified_customer(tier=1)
        tasks.on_kyc_case_approved("e1", {"customer_id": customer.pk, "case_id": 1, "tier": 1})
        tasks.on_kyc_case_approved("e2", {"customer_id": customer.pk, "case_id": 1, "tier": 1})
        accounts = interface.accounts_of_customer(customer_id=customer.pk)
        assert [(a.product_code, a.currency) for a in accounts] == [("current", "EUR")]

    def test_a_business_gets_a_business_current_account_in_its_company_name(self, now: datetime) -> None:
        from apps.accounts import tasks
        from apps.kyc import services as kyc_services
        from tests.apps.kyc.factories import business_data

        customer = verified_customer(tier=2)
        kyc_services.party_save(customer_id=customer.pk, data=business_data(), now=now)
        tasks.on_kyc_case_approved("e1", {"customer_id": customer.pk, "case_id": 1, "tier": 2})
        [account] = interface.accounts_of_customer(customer_id=customer.pk)
        assert (account.product_code, account.product_kind) == ("business-current", "business_current")
        assert account.holder_name == "Acme Handels GmbH"

    def test_through_the_outbox(self, now: datetime) -> None:
        from bankcore.events import publish
        from bankcore.events.services import outbox_relay

        customer = verified_customer(tier=1)
        publish("kyc.case.approved", {"customer_id": customer.pk, "case_id": 9, "tier": 1})
        outbox_relay(now=now)
        assert Account.objects.filter(customer=customer, product__code="current").count() == 1


class TestInterface:
    def test_account_for_iban_ignores_spaces_and_case(self, now: datetime) -> None:
        customer = verified_customer(full_name="Ada Lovelace")
        account = open_account(customer=customer, now=now)
        spaced = " ".join(account.iban[i : i + 4] for i in range(0, len(account.iban), 4)).lower()
        ref = interface.account_for_iban(iban=spaced)
        assert ref is not None
        assert ref.id == account.pk
        assert ref.holder_name == "Ada Lovelace"
        assert ref.status == "open"
        assert ref.ledger_account_id == account.ledger_account_id
        assert ref.customer_id == customer.pk
        assert ref.may_send
        assert ref.may_receive

    def test_unknown_iban_is_none(self) -> None:
        assert interface.account_for_iban(iban="DE89370400440532013000") is None

    def test_account_get_and_ledger_id(self, now: datetime) -> None:
        account = open_account(now=now)
        assert interface.account_get(account_id=account.pk).iban == account.iban
        assert interface.account_ledger_id(account_id=account.pk) == account.ledger_account_id
        assert interface.account_for_ledger_account(ledger_account_id=account.ledger_account_id).id == account.pk  # type: ignore[union-attr]
        with pytest.raises(interface.AccountNotFound):
            interface.account_get(account_id=account.pk + 1000)
