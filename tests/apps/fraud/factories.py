"""Test data of the fraud app: transactions to decide and rule versions as they are stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import factory

from apps.fraud.models import Rule, RuleVersion
from apps.fraud.types import ProposedTransaction
from bankcore.money import Money

CREATED_AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class ProposedTransactionFactory(factory.Factory):
    """An ordinary payment of 100.00 EUR from customer 1 to a German IBAN."""

    class Meta:
        model = ProposedTransaction

    reference = factory.Sequence(lambda n: f"payment:{n}")
    customer_id = 1
    amount = Money.of("100.00", "EUR")
    counterparty_key = "DE89370400440532013000"
    counterparty_country = "DE"


def txn(ref: str, amount: str = "100.00", **extra: Any) -> ProposedTransaction:
    """A payment of ``amount`` EUR under reference ``ref`` (the other fields as the factory's)."""
    built: ProposedTransaction = ProposedTransactionFactory(reference=ref, amount=Money.of(amount, "EUR"), **extra)
    return built


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rule

    code = factory.Sequence(lambda n: f"rule-{n}")
    created_at = CREATED_AT


class RuleVersionFactory(factory.django.DjangoModelFactory):
    """A stored version, written as the database holds it (the services check conditions on save)."""

    class Meta:
        model = RuleVersion

    rule = factory.SubFactory(RuleFactory)
    number = 1
    condition = "amount_minor > 0"
    score = 10
    description = factory.LazyAttribute(lambda v: f"{v.rule.code} rule")
    status = RuleVersion.Status.ACTIVE
    created_at = CREATED_AT
