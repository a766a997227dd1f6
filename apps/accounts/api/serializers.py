"""Partner API shapes of accounts, balances and transactions (DESIGN.md §5)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.accounts import wire
from apps.accounts.history import Transaction
from apps.accounts.selectors import AccountSummary
from bankcore.api.cursors import CursorQuery
from bankcore.api.fields import money_output


class MoneyOutput(serializers.Serializer[Any]):
    amount = serializers.CharField()
    currency = serializers.CharField()


class AccountOutput(serializers.Serializer[Any]):
    id = serializers.CharField()
    iban = serializers.CharField()
    bic = serializers.CharField()
    currency = serializers.CharField()
    name = serializers.CharField()
    product = serializers.CharField()
    status = serializers.CharField()
    holder_name = serializers.CharField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


def account_out(summary: AccountSummary, *, holder_name: str) -> dict[str, Any]:
    return {
        "id": wire.account_wire_id(summary.id),
        "iban": summary.iban,
        "bic": summary.bic,
        "currency": summary.currency,
        "name": summary.nickname or summary.name,
        "product": summary.product_kind,
        "status": summary.status,
        "holder_name": holder_name,
        "opened_at": summary.opened_at.isoformat(),
        "closed_at": summary.closed_at.isoformat() if summary.closed_at else None,
    }


class BalancesOutput(serializers.Serializer[Any]):
    booked = MoneyOutput()
    available = MoneyOutput()
    overdraft_limit = MoneyOutput()


def balances_out(summary: AccountSummary) -> dict[str, Any]:
    return {
        "booked": money_output(summary.balance),
        "available": money_output(summary.available),
        "overdraft_limit": money_output(summary.overdraft_limit),
    }


class CounterpartyOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    iban = serializers.CharField()


class TransactionOutput(serializers.Serializer[Any]):
    id = serializers.CharField()
    booked_at = serializers.DateTimeField()
    value_date = serializers.DateField()
    amount = serializers.CharField(help_text="Signed decimal major units: negative is money out.")
    currency = serializers.CharField()
    counterparty = CounterpartyOutput()
    reference = serializers.CharField()
    balance_after = serializers.CharField()


def transaction_out(item: Transaction) -> dict[str, Any]:
    return {
        "id": wire.transaction_wire_id(item.id),
        "booked_at": item.booked_at.isoformat(),
        "value_date": item.value_date.isoformat(),
        "amount": item.amount.to_decimal_string(),
        "currency": item.amount.currency,
        "counterparty": {"name": item.counterparty_name, "iban": item.counterparty_iban},
        "reference": item.reference,
        "balance_after": item.balance_after.to_decimal_string(),
    }


class TransactionQuery(CursorQuery):  # the kernel's opaque cursor, plus the booking dates
    booked_from = serializers.DateField(required=False)
    booked_to = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("booked_from"), attrs.get("booked_to")
        if start and end and start > end:
            raise serializers.ValidationError({"booked_to": ["booked_to is before booked_from."]})
        return attrs
