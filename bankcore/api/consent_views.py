"""``consents/``: a partner asks a customer for account access or one payment, reads and ends its own."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from bankcore.api import consents, cursors, directory
from bankcore.api.consents import ConsentView
from bankcore.api.errors import problem
from bankcore.api.fields import AmountField, MoneyInput, NameField, StrictSerializer, money_output
from bankcore.api.idempotency import IDEMPOTENCY_HEADER_PARAMETER, idempotent
from bankcore.api.models import Consent
from bankcore.api.pagination import CURSOR_PARAMETER, page_of
from bankcore.api.partner import PartnerApiView

MAX_ACCOUNTS = 50


class AccessInput(StrictSerializer):
    accounts = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1, max_length=MAX_ACCOUNTS)
    balances = serializers.BooleanField(default=False)
    transactions = serializers.BooleanField(default=False)


class CreditorInput(StrictSerializer):
    name = NameField(max_length=140)
    iban = serializers.CharField(max_length=42)


class PaymentInput(StrictSerializer):
    source_account = serializers.CharField(max_length=64)
    amount = AmountField()
    currency = serializers.CharField(min_length=3, max_length=3)
    creditor = CreditorInput()
    reference = serializers.CharField(max_length=140, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        money = MoneyInput(data={"amount": attrs["amount"], "currency": attrs["currency"]})
        if not money.is_valid():
            raise serializers.ValidationError(money.errors)
        attrs["money"] = money.validated_data["money"]
        return attrs


class AccessConsentInput(StrictSerializer):
    """Ask for access to accounts' balances and/or transactions (needs ``accounts:read``)."""

    access = AccessInput()
    valid_until = serializers.DateField()
    frequency_per_day = serializers.IntegerField(min_value=1, max_value=4)
    recurring = serializers.BooleanField(required=False, default=True)


class PaymentConsentInput(StrictSerializer):
    """Ask for one payment, exactly as described (needs ``payments:write``)."""

    payment = PaymentInput()


CONSENT_REQUEST = PolymorphicProxySerializer(
    component_name="ConsentRequest",
    serializers=[AccessConsentInput, PaymentConsentInput],
    resource_type_field_name=None,  # the body's one top-level key, access or payment, says which
)


def _consent_input(data: Any) -> AccessConsentInput | PaymentConsentInput:
    """The request's shape, by the one of ``access`` and ``payment`` it sends."""
    keys = set(data) if isinstance(data, dict) else set()
    if ("access" in keys) == ("payment" in keys):
        raise serializers.ValidationError({"non_field_errors": ["Send either access or payment."]})
    return AccessConsentInput(data=data) if "access" in keys else PaymentConsentInput(data=data)


class ConsentOutput(serializers.Serializer[Any]):
    id = serializers.CharField(source="public_id")
    kind = serializers.CharField()
    status = serializers.CharField()
    access = serializers.SerializerMethodField()
    payment = serializers.SerializerMethodField()
    valid_until = serializers.DateField()
    frequency_per_day = serializers.IntegerField()
    recurring = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    approval_url = serializers.SerializerMethodField(help_text="Send the customer here to approve or refuse.")

    def get_approval_url(self, consent: ConsentView) -> str | None:
        if consent.status != "received":
            return None
        path = reverse("consents:review", args=[consent.public_id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def _wire(self, account_id: int | None) -> str | None:
        if account_id is None:
            return None
        described = directory.account_describe(account_id)
        return described.wire_id if described is not None else str(account_id)

    def get_access(self, consent: ConsentView) -> dict[str, Any] | None:
        if consent.kind != "account_access":
            return None
        return {
            "accounts": [self._wire(a) for a in consent.account_ids],
            "balances": consent.balances,
            "transactions": consent.transactions,
        }

    def get_payment(self, consent: ConsentView) -> dict[str, Any] | None:
        if consent.kind != "payment" or consent.amount is None:
            return None
        return {
            "source_account": self._wire(consent.source_account_id),
            **money_output(consent.amount),
            "creditor": {"name": consent.creditor_name, "iban": consent.creditor_iban},
            "reference": consent.reference,
            "used": consent.used_at is not None,
        }


def _resolve(refs: list[str], *, at: tuple[str, str]) -> list[directory.DirectoryAccount]:
    """The accounts named; a refusal names the field where they were sent (``at``, nested as DRF nests)."""
    outer, inner = at
    found = []
    for ref in refs:
        account = directory.account_resolve(ref)
        if account is None:
            raise serializers.ValidationError({outer: {inner: [f"Unknown account {ref!r}."]}})
        found.append(account)
    if len({a.customer_id for a in found}) > 1:
        raise serializers.ValidationError({outer: {inner: ["A consent names the accounts of one customer."]}})
    return found


class ConsentListCreateApi(PartnerApiView):
    """Ask a customer for a consent (status ``received`` until they approve it with SCA); list one's own."""

    required_scopes: list[str] = []  # by kind: accounts:read for access, payments:write for a payment

    def _need(self, scope: str) -> None:
        if scope not in self.partner.scopes or scope not in (self.request.auth.scope or "").split():  # type: ignore[union-attr]
            raise exceptions.PermissionDenied(f"This needs the {scope} scope.")

    @extend_schema(request=CONSENT_REQUEST, responses={201: ConsentOutput}, parameters=[IDEMPOTENCY_HEADER_PARAMETER])
    @idempotent
    def post(self, request: Request) -> Response:
        data = _consent_input(request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        now = timezone.now()
        if "access" in values:
            self._need("accounts:read")
            found = _resolve(values["access"]["accounts"], at=("access", "accounts"))
            consent = consents.consent_account_access_create(
                application_id=self.partner.application_id,
                customer_id=found[0].customer_id,
                account_ids=[a.account_id for a in found],
                balances=values["access"]["balances"],
                transactions=values["access"]["transactions"],
                valid_until=values["valid_until"],
                frequency_per_day=values["frequency_per_day"],
                recurring=values["recurring"],
                now=now,
            )
        else:
            self._need("payments:write")
            payment = values["payment"]
            (source,) = _resolve([payment["source_account"]], at=("payment", "source_account"))
            consent = consents.consent_payment_create(
                application_id=self.partner.application_id,
                customer_id=source.customer_id,
                amount=payment["money"],
                creditor_name=payment["creditor"]["name"],
                creditor_iban=payment["creditor"]["iban"],
                reference=payment["reference"],
                source_account_id=source.account_id,
                now=now,
            )
        return Response(ConsentOutput(consent, context={"request": request}).data, status=201)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, enum=[s.value for s in Consent.Status], description="Only consents in this status"
            ),
            CURSOR_PARAMETER,
        ],
        responses={200: page_of(ConsentOutput)},
        summary="Consents, newest first, in cursor pages",
    )
    def get(self, request: Request) -> Response:
        status = request.query_params.get("status")  # present but empty is as unknown as a misspelt one
        if status is not None and status not in Consent.Status.values:
            return problem(
                status_code=400, title="Invalid request", detail=f"Unknown status {status!r}.", code="invalid_status",
                errors={"status": [f"One of {', '.join(Consent.Status.values)}."]},
            )  # fmt: skip
        page = consents.consents_of_partner(
            application_id=self.partner.application_id, status=status, before=cursors.page_before(request)
        )
        return Response(
            {
                "results": ConsentOutput(page.items, many=True, context={"request": request}).data,
                "next": cursors.next_link(request, before=page.next_before),
            }
        )


class ConsentDetailApi(PartnerApiView):
    """One of the partner's own consents; DELETE ends it (``terminatedByTpp``)."""

    required_scopes: list[str] = []

    def _own(self, consent_id: str) -> ConsentView:
        consent = consents.consent_get_for_partner(public_id=consent_id, application_id=self.partner.application_id)
        if consent is None:
            raise exceptions.NotFound()
        return consent

    @extend_schema(responses={200: ConsentOutput})
    def get(self, request: Request, consent_id: str) -> Response:
        return Response(ConsentOutput(self._own(consent_id), context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, consent_id: str) -> Response:
        consent = self._own(consent_id)
        consents.consent_terminate(
            consent_id=consent.id, application_id=self.partner.application_id, now=timezone.now()
        )
        return Response(status=204)
