"""payments partner API (DESIGN.md §5): ``payments/`` for a partner acting for its own business customer,
and for a third-party provider paying with a customer's single-payment consent (``consent_id``).

Thin doors over ``services.initiate`` / ``services.cancel``: the partner's business customer is
the payer, the payment is exempt from SCA as a secure corporate process (RTS art. 17), and every
POST takes an ``Idempotency-Key`` (``bankcore.api.idempotency``) which is also the service's own
key, so a retry after the API's record is purged still makes one payment. A payment of another
customer, or one another partner made, does not exist here (404). A payment with ``consent_id`` is
``services.consent_payments``'s: from the consenting customer's account, exactly as consented.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from apps.payments import selectors
from apps.payments.api.serializers import PaymentOrder, PaymentOrderInput
from apps.payments.errors import PaymentInputInvalid
from apps.payments.models import Payment, PaymentChannel
from apps.payments.services import cancel, consent_payments, initiate, validation
from bankcore.api import consents, cursors, visibility
from bankcore.api.errors import fields_as_sent, problem
from bankcore.api.idempotency import IDEMPOTENCY_HEADER_PARAMETER, idempotent
from bankcore.api.pagination import CURSOR_PARAMETER, page_of
from bankcore.api.partner import PartnerApiView

# The service's argument → the body's field, for a refusal's ``errors`` (nested by bankcore.api.errors).
_WIRE_FIELDS = {"creditor_iban": "creditor.iban", "creditor_name": "creditor.name"}


class _PaymentsApi(PartnerApiView):
    def _own(self, payment_id: str) -> Payment:
        payment = Payment.objects.filter(tx_id=payment_id).first()
        if payment is None or not visibility.partner_may_see_payment(
            application_id=self.partner.application_id, customer_id=payment.customer_id, payment_ref=payment.ref
        ):
            raise exceptions.NotFound()
        return payment

    def _source_account_id(self, customer_id: int, value: str) -> int | None:
        return selectors.source_account_of(customer_id=customer_id, value=value)


class PaymentListCreateApi(_PaymentsApi):
    def get_required_scopes(self) -> list[str]:
        return ["payments:write"] if self.request.method == "POST" else ["payments:read"]

    @property
    def required_scopes(self) -> list[str]:  # type: ignore[override]
        return self.get_required_scopes()

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=selectors.STATUSES, description="Only payments in this status"),
            CURSOR_PARAMETER,
        ],
        responses={200: page_of(PaymentOrder)},
        summary="Payments, newest first, in cursor pages",
    )
    def get(self, request: Request) -> Response:
        status = request.query_params.get("status")  # present but empty is as unknown as a misspelt one
        if status is not None and status not in selectors.STATUSES:
            return problem(
                status_code=400, title="Invalid request", detail=f"Unknown status {status!r}.", code="invalid_status",
                errors={"status": [f"One of {', '.join(selectors.STATUSES)}."]},
            )  # fmt: skip
        page = selectors.payment_page_of_partner(
            application_id=self.partner.application_id,
            acting_for_id=self.partner.acting_for_id,
            status=status,
            before=cursors.page_before(request),
        )
        views = [selectors.payment_view(p) for p in page.items]
        return Response(
            {
                "results": PaymentOrder(views, many=True).data,  # type: ignore[arg-type]
                "next": cursors.next_link(request, before=page.next_before),
            }
        )

    @extend_schema(request=PaymentOrderInput, responses={201: PaymentOrder}, parameters=[IDEMPOTENCY_HEADER_PARAMETER])
    @idempotent
    def post(self, request: Request) -> Response:
        body = PaymentOrderInput(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        if data["consent_id"] is not None:
            return self._with_consent(request, data)
        customer_id = self.acting_for_id_or_404()
        source_id = self._source_account_id(customer_id, data["source_account"])
        with fields_as_sent(_WIRE_FIELDS):
            amount = validation.amount_parse(data["amount"], data["currency"].upper())
            if source_id is None:
                raise PaymentInputInvalid("No such account of yours.", code="unknown_account", field="source_account")
            view = initiate.payment_initiate(
                customer_id=customer_id,
                source_account_id=source_id,
                amount=amount,
                creditor_name=data["creditor"]["name"],
                creditor_iban=data["creditor"]["iban"],
                reference=data["reference"],
                end_to_end_id=data["end_to_end_id"],
                instant=data["instant"],
                execution_date=data["execution_date"],
                idempotency_key=f"api:{self.partner.application_id}:{request.idempotency_key}",  # type: ignore[attr-defined]
                channel=PaymentChannel.API,
                partner_id=self.partner.application_id,
                now=self.now(),
            )
        return Response(PaymentOrder(view).data, status=201)

    def _with_consent(self, request: Request, data: dict[str, Any]) -> Response:
        # A refusal of the consent itself (not in force, another kind, spent) is about consent_id.
        with fields_as_sent(_WIRE_FIELDS), fields_as_sent({"": "consent_id"}, refusals=consents.ConsentRefused):
            amount = validation.amount_parse(data["amount"], data["currency"].upper())
            view = consent_payments.consent_payment_initiate(
                application_id=self.partner.application_id,
                consent_id=data["consent_id"],
                source_account=data["source_account"],
                amount=amount,
                creditor_name=data["creditor"]["name"],
                creditor_iban=data["creditor"]["iban"],
                reference=data["reference"],
                end_to_end_id=data["end_to_end_id"],
                instant=data["instant"],
                execution_date=data["execution_date"],
                idempotency_key=f"api:{self.partner.application_id}:{request.idempotency_key}",  # type: ignore[attr-defined]
                now=self.now(),
            )
        return Response(PaymentOrder(view).data, status=201)


class PaymentDetailApi(_PaymentsApi):
    required_scopes = ["payments:read"]

    @extend_schema(responses={200: PaymentOrder})
    def get(self, request: Request, payment_id: str) -> Response:
        return Response(PaymentOrder(selectors.payment_view(self._own(payment_id))).data)


class PaymentCancelApi(_PaymentsApi):
    required_scopes = ["payments:write"]

    @extend_schema(request=None, responses={200: PaymentOrder}, parameters=[IDEMPOTENCY_HEADER_PARAMETER])
    @idempotent
    def post(self, request: Request, payment_id: str) -> Response:
        payment = self._own(payment_id)
        view = cancel.payment_cancel(
            customer_id=payment.customer_id, payment_id=payment.pk, actor=f"partner:{self.partner.application_id}",
            now=self.now(),
        )  # fmt: skip
        return Response(PaymentOrder(view).data)
