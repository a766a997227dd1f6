"""Reads of the decisions: what a decision needs from the database, and the decisions stored."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from apps.fraud.features import Windows
from apps.fraud.models import CustomerCountry, MonitoredTransaction, VelocityBucket
from apps.fraud.selectors.rules import rules_key_sql
from apps.fraud.selectors.velocity import window_sql, windows_from

Scope = VelocityBucket.Scope


@dataclass(frozen=True)
class DecisionInputs:
    """Everything a decision reads from the database, fetched in one statement."""

    previous_id: int | None  # the decision already stored for this reference
    paid_country_before: bool
    rules_key: str  # which rule versions are live (see ``rules.rule_set``)
    customer: Windows
    counterparty: Windows


def decision_inputs(
    *, reference: str, customer_id: int, counterparty_key: str, country: str, currency: str, at: datetime
) -> DecisionInputs:
    """The stored decision for ``reference`` (if any), both parties' windows, the country and the rule set.

    One round trip: the payment path pays per statement (parsing, a lock, a network hop on Postgres),
    so the four reads are scalar subqueries and conditional sums of a single SELECT. Plain SQL:
    building the ORM query cost more than running it.
    """
    scopes = [Scope.CUSTOMER, Scope.COUNTERPARTY] if counterparty_key else [Scope.CUSTOMER]
    columns, where, params = window_sql(scopes, currency, at)
    sql = (
        f"SELECT (SELECT id FROM {MonitoredTransaction._meta.db_table} WHERE reference = %(reference)s), "  # noqa: S608
        f"(SELECT 1 FROM {CustomerCountry._meta.db_table} WHERE customer_id = %(customer)s AND country = %(country)s), "
        f"({rules_key_sql()}), {columns} FROM {VelocityBucket._meta.db_table} WHERE {where}"
    )
    params.update(reference=reference, customer=customer_id, country=country)
    params.update({Scope.CUSTOMER.value: str(customer_id), Scope.COUNTERPARTY.value: counterparty_key})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = list(cursor.fetchone())
    return DecisionInputs(
        previous_id=row[0],
        paid_country_before=row[1] is not None,
        rules_key=row[2] or "",
        customer=windows_from(row[3:10]),
        counterparty=windows_from(row[10:17]) if counterparty_key else Windows.empty(),
    )


def references_decided(*, references: set[str]) -> set[str]:
    """Which of ``references`` have a stored decision."""
    rows = MonitoredTransaction.objects.filter(reference__in=references).values_list("reference", flat=True)
    return set(rows)


def countries_paid(*, customer_ids: set[int], countries: set[str]) -> set[tuple[int, str]]:
    """Which ``(customer_id, country)`` of these customers and countries have been paid before."""
    if not countries:
        return set()
    rows = CustomerCountry.objects.filter(customer_id__in=customer_ids, country__in=countries)
    return set(rows.values_list("customer_id", "country"))


def transaction_known(*, reference: str) -> bool:
    """Whether a decision is stored for ``reference``."""
    return MonitoredTransaction.objects.filter(reference=reference).exists()


def transactions_between(*, since: datetime, until: datetime) -> Iterator[MonitoredTransaction]:
    """The stored decisions of [since, until), oldest first, streamed (for back-tests)."""
    return (
        MonitoredTransaction.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
        .order_by("occurred_at", "id")
        .iterator(chunk_size=2000)
    )
