"""wallets partner API: the wire shapes (amounts as decimal strings plus currency, ids as strings)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.wallets.models import WalletTransfer
from apps.wallets.selectors import WalletView
from bankcore.api.fields import AmountField, money_output
from bankcore.money import Money, MoneyError, exponent, is_currency


@extend_schema_field(OpenApiTypes.STR)
class Amount(AmountField):
    """A decimal string of major units ("12.50"), described as such in the schema."""


class RecipientInput(serializers.Serializer[dict[str, Any]]):
    email = serializers.EmailField(required=False)
    phone = serializers.CharField(required=False, max_length=24)
    wallet = serializers.CharField(required=False, max_length=20)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if len(attrs) != 1:
            raise serializers.ValidationError("Name the recipient by exactly one of email, phone or wallet.")
        if "wallet" in attrs and not attrs["wallet"].isdigit():
            raise serializers.ValidationError({"wallet": ["Not a wallet id."]})
        return attrs


class TransferInput(serializers.Serializer[dict[str, Any]]):
    source_wallet = serializers.CharField(max_length=20)
    recipient = RecipientInput()
    amount = Amount()
    currency = serializers.CharField(min_length=3, max_length=3)
    note = serializers.CharField(max_length=140, required=False, allow_blank=True, default="")

    def validate_source_wallet(self, value: str) -> int:
        if not value.isdigit():
            raise serializers.ValidationError("Not a wallet id.")
        return int(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # "eur" is EUR, as on payments/.
        currency = attrs["currency"] = attrs["currency"].upper()
        if not is_currency(currency):
            raise serializers.ValidationError({"currency": [f"{currency!r} is not an ISO 4217 currency code."]})
        try:
            money = Money.of(attrs["amount"], currency)
        except MoneyError:
            raise serializers.ValidationError(
                {"amount": [f'A decimal amount with at most {exponent(currency)} decimals, e.g. "12.50".']}
            ) from None
        if money.minor <= 0:
            raise serializers.ValidationError({"amount": ["The amount must be greater than zero."]})
        attrs["money"] = money
        return attrs


def wallet_output(wallet: WalletView) -> dict[str, Any]:
    return {
        "id": str(wallet.id),
        "currency": wallet.currency,
        "status": wallet.status,
        "balance": money_output(wallet.balance),
        "available": money_output(wallet.available),
    }


def _recipient_output(transfer: WalletTransfer) -> dict[str, str]:
    """The recipient as the sender named it: by e-mail, phone or wallet, the shape of the request."""
    if transfer.address.startswith("wallet:"):
        # The wallet named, which may not be the one paid (the recipient's wallet in the currency sent).
        return {"wallet": transfer.address.removeprefix("wallet:")}
    if not transfer.address:
        return {"wallet": str(transfer.target_wallet_id)}
    return {"email" if "@" in transfer.address else "phone": transfer.address}


def transfer_output(transfer: WalletTransfer) -> dict[str, Any]:
    money = Money(transfer.amount_minor, transfer.currency)
    return {
        "id": str(transfer.pk),
        "status": transfer.status,
        "source_wallet": str(transfer.source_wallet_id),
        "recipient": _recipient_output(transfer),
        "amount": money.to_decimal_string(),
        "currency": money.currency,
        "note": transfer.note,
        "sca_exemption": transfer.sca_exemption,
        "created_at": transfer.created_at.isoformat(),
    }


class WalletOutput(serializers.Serializer[dict[str, Any]]):
    id = serializers.CharField()
    currency = serializers.CharField()
    status = serializers.CharField()
    balance = serializers.DictField()
    available = serializers.DictField()


class TransferOutput(serializers.Serializer[dict[str, Any]]):
    id = serializers.CharField()
    status = serializers.CharField()
    source_wallet = serializers.CharField()
    recipient = serializers.DictField()
    amount = serializers.CharField()
    currency = serializers.CharField()
    note = serializers.CharField()
    sca_exemption = serializers.CharField()
    created_at = serializers.CharField()
