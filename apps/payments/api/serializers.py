"""payments partner API: the exact body of DESIGN.md §5 in, the payment out."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts import interface as accounts
from apps.payments.selectors import PaymentView
from bankcore.api.fields import AmountField, NameField


class PaymentOrderCreditor(serializers.Serializer[Any]):
    name = NameField(max_length=140)
    iban = serializers.CharField(max_length=42)


class PaymentOrderInput(serializers.Serializer[Any]):
    source_account = serializers.CharField(max_length=64)
    amount = AmountField()
    currency = serializers.CharField(min_length=3, max_length=3)
    creditor = PaymentOrderCreditor()
    reference = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    end_to_end_id = serializers.CharField(max_length=64, allow_blank=True, required=False, default="")
    instant = serializers.BooleanField(required=False, default=False)
    execution_date = serializers.DateField(required=False, allow_null=True, default=None)
    consent_id = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        max_length=64,
        help_text="A single-payment consent the customer approved: the payment is made exactly as consented, once.",
    )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["This field is not part of a payment."] for name in unknown})
        return super().to_internal_value(data)


class VerificationOfPayee(serializers.Serializer[Any]):
    # Declared, not inferred from the getter's hint: the schema generator writes a ``str | None``
    # dict value as OpenAPI 3.0's ``nullable``, which 3.1 does not have.
    result = serializers.CharField(allow_null=True, help_text="The payee check's ISO code (MTCH, CMTC, NMTC, NOAP).")
    matched_name = serializers.CharField(allow_null=True, help_text="The account holder's name on a close match.")


class PaymentOrder(serializers.Serializer[PaymentView]):
    id = serializers.CharField(source="tx_id")
    source_account = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField(source="amount.currency")
    creditor = serializers.SerializerMethodField()
    reference = serializers.CharField()
    end_to_end_id = serializers.CharField()
    instant = serializers.BooleanField()
    execution_date = serializers.DateField()
    consent_id = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    reason_code = serializers.SerializerMethodField()
    tx_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    verification_of_payee = serializers.SerializerMethodField()

    def get_source_account(self, view: PaymentView) -> str | None:
        return None if view.source_account_id is None else accounts.account_wire_id(view.source_account_id)

    def get_amount(self, view: PaymentView) -> str:
        return view.amount.to_decimal_string()

    def get_creditor(self, view: PaymentView) -> dict[str, str]:
        return {"name": view.creditor_name, "iban": view.creditor_iban, "bic": view.creditor_bic}

    def get_reason_code(self, view: PaymentView) -> str | None:
        return view.reason_code or None

    @extend_schema_field(VerificationOfPayee)
    def get_verification_of_payee(self, view: PaymentView) -> dict[str, str | None]:
        return {"result": view.vop_result or None, "matched_name": view.vop_name or None}
