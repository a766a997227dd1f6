"""payments partner API: ``payment-batches/`` for a partner acting for its own business customer.

A batch is sent as JSON (``{"source_account", "payments": [...]}`` with each item shaped as a
``payments/`` POST) or as a pain.001.001.10 document (``Content-Type: application/xml``; the
paying account is its ``DbtrAcct``). The answer is the batch as received; its lines are checked
and paid off the request (secure corporate process: no customer SCA), and
``payment-batches/{id}/`` shows the progress and one result per line. A file that cannot be
read is a 422 problem and nothing is written. Another customer's batch, or one another partner
sent, does not exist here (404).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import interface as accounts
from apps.payments import selectors
from apps.payments.batch_parsing import BatchFile, BatchFileRefused, parse_json, parse_pain001
from apps.payments.models import BatchFormat, PaymentBatch, PaymentBatchLine
from apps.payments.services import batches
from bankcore.api import cursors
from bankcore.api.fields import StrictSerializer
from bankcore.api.idempotency import IDEMPOTENCY_HEADER_PARAMETER, idempotent
from bankcore.api.pagination import CURSOR_PARAMETER, page_of
from bankcore.api.partner import PartnerApiView
from bankcore.money import Money


class Pain001Parser(BaseParser):
    """The document's bytes as sent; ``batch_parsing`` parses them safely and checks the XSD."""

    media_type = "application/xml"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> bytes:  # type: ignore[override]
        return bytes(stream.read()) if stream is not None else b""


class BatchInput(StrictSerializer):  # an unknown top-level field is refused, as everywhere in the API
    source_account = serializers.CharField(max_length=64, required=False, default="")
    verify_payee = serializers.BooleanField(required=False, default=True)
    payments = serializers.ListField(child=serializers.DictField(), allow_empty=True)


class BatchLineOutput(serializers.Serializer[PaymentBatchLine]):
    line = serializers.IntegerField(source="line_no")
    status = serializers.CharField()
    reason_code = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    creditor = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField()
    end_to_end_id = serializers.CharField()
    verification_of_payee = serializers.SerializerMethodField()
    payment_id = serializers.SerializerMethodField()
    payment_status = serializers.SerializerMethodField(
        help_text="The line's payment as it is now (a held line's shows its fraud case's outcome once decided)."
    )

    def get_reason_code(self, line: PaymentBatchLine) -> str | None:
        return line.reason_code or None

    def get_reason(self, line: PaymentBatchLine) -> str | None:
        return line.reason or None

    def get_creditor(self, line: PaymentBatchLine) -> dict[str, str]:
        return {"name": line.creditor_name, "iban": line.creditor_iban}

    def get_amount(self, line: PaymentBatchLine) -> str:
        if line.amount_minor and line.currency:
            return Money(line.amount_minor, line.currency).to_decimal_string()
        return line.amount_text

    def get_verification_of_payee(self, line: PaymentBatchLine) -> dict[str, str | None]:
        return {"result": line.vop_result or None, "matched_name": line.vop_name or None}

    def get_payment_id(self, line: PaymentBatchLine) -> str | None:
        return line.payment.tx_id if line.payment_id and line.payment else None

    def get_payment_status(self, line: PaymentBatchLine) -> str | None:
        return line.payment.status if line.payment_id and line.payment else None


class BatchOutput(serializers.Serializer[PaymentBatch]):
    id = serializers.CharField(source="pk")
    status = serializers.CharField(
        help_text="received, validating, awaiting_sca, processing, awaiting_review (every line executed, some held "
        "for a fraud case: their money has not moved), completed, completed_with_errors or failed."
    )
    reason = serializers.SerializerMethodField()
    source_account = serializers.SerializerMethodField()
    format = serializers.CharField(source="source_format")
    verification_of_payee = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)

    def get_source_account(self, batch: PaymentBatch) -> str | None:
        return None if batch.source_account_id is None else accounts.account_wire_id(batch.source_account_id)

    def get_reason(self, batch: PaymentBatch) -> str | None:
        return batch.reason or None

    def get_verification_of_payee(self, batch: PaymentBatch) -> str:
        return "skipped" if batch.vop_opted_out else "checked"

    def get_counts(self, batch: PaymentBatch) -> dict[str, int]:
        return {
            "lines": batch.line_count, "valid": batch.valid_count, "done": batch.done_count,
            "paid": batch.paid_count, "held": batch.held_count, "failed": batch.failed_count,
        }  # fmt: skip

    def get_total(self, batch: PaymentBatch) -> dict[str, str]:
        return {
            "valid": Money(batch.valid_total_minor, batch.currency).to_decimal_string(),
            "paid": Money(batch.paid_total_minor, batch.currency).to_decimal_string(),
            "held": Money(batch.held_total_minor, batch.currency).to_decimal_string(),
        }


class BatchDetailOutput(BatchOutput):
    lines = serializers.SerializerMethodField()

    def get_lines(self, batch: PaymentBatch) -> list[dict[str, Any]]:
        return BatchLineOutput(batches.batch_lines(batch=batch), many=True).data  # type: ignore[arg-type,return-value]


_JSON_EXAMPLE = OpenApiExample(
    "Two payouts (JSON)",
    request_only=True,
    media_type="application/json",
    value={
        "source_account": "acc_42",
        "verify_payee": True,
        "payments": [
            {"amount": "120.50", "currency": "EUR", "creditor": {"name": "Max Mustermann",
             "iban": "DE89370400440532013000"}, "reference": "Invoice 2026-11"},
            {"amount": "8.00", "currency": "EUR", "creditor": {"name": "Jan Jansen", "iban": "NL91ABNA0417164300"},
             "reference": "Refund 77", "end_to_end_id": "R-77"},
        ],
    },
)  # fmt: skip
_RESULT_EXAMPLE = OpenApiExample(
    "A completed batch",
    response_only=True,
    value={
        "id": "7", "status": "completed_with_errors", "reason": None, "source_account": "acc_42", "format": "json",
        "verification_of_payee": "checked",
        "counts": {"lines": 2, "valid": 1, "done": 1, "paid": 1, "held": 0, "failed": 1},
        "total": {"valid": "120.50", "paid": "120.50", "held": "0.00"}, "currency": "EUR",
        "created_at": "2026-11-02T10:30:00Z", "completed_at": "2026-11-02T10:30:02Z",
        "lines": [
            {"line": 1, "status": "accepted", "reason_code": None, "reason": None,
             "creditor": {"name": "Max Mustermann", "iban": "DE89370400440532013000"}, "amount": "120.50",
             "currency": "EUR", "end_to_end_id": "", "verification_of_payee": {"result": "MTCH", "matched_name": None},
             "payment_id": "BC0F3A…", "payment_status": "accepted"},
            {"line": 2, "status": "invalid", "reason_code": "iban_checksum",
             "reason": "This IBAN's check digits are wrong: check it for a typo.",
             "creditor": {"name": "Jan Jansen", "iban": "NL00ABNA0417164300"}, "amount": "8.00", "currency": "EUR",
             "end_to_end_id": "R-77", "verification_of_payee": {"result": None, "matched_name": None},
             "payment_id": None, "payment_status": None},
        ],
    },
)  # fmt: skip


class _BatchesApi(PartnerApiView):
    def _own(self, batch_id: str) -> PaymentBatch:
        customer_id = self.acting_for_id_or_404()
        batch = (
            PaymentBatch.objects.filter(
                pk=int(batch_id), customer_id=customer_id, partner_id=self.partner.application_id
            ).first()
            if batch_id.isdigit()
            else None
        )
        if batch is None:
            raise exceptions.NotFound()
        self.require_visible(
            customer_id=customer_id, account_id=batch.source_account_id, access="payments", count=False
        )
        return batch

    def _account_id(self, customer_id: int, value: str) -> int | None:
        return selectors.source_account_of(customer_id=customer_id, value=value)


class PaymentBatchListCreateApi(_BatchesApi):
    parser_classes = [JSONParser, Pain001Parser]

    @property
    def required_scopes(self) -> list[str]:  # type: ignore[override]
        return ["payments:write"] if self.request.method == "POST" else ["payments:read"]

    @extend_schema(
        operation_id="v1_payment_batches_list",
        parameters=[CURSOR_PARAMETER],
        responses={200: page_of(BatchOutput)},
        summary="Payment batches, newest first, in cursor pages",
    )
    def get(self, request: Request) -> Response:
        customer_id = self.acting_for_id_or_404()
        page = selectors.batch_page_of_customer(
            customer_id=customer_id, partner_id=self.partner.application_id, before=cursors.page_before(request)
        )
        return Response(
            {
                "results": BatchOutput(page.items, many=True).data,  # type: ignore[arg-type]
                "next": cursors.next_link(request, before=page.next_before),
            }
        )

    @extend_schema(
        operation_id="v1_payment_batches_create",
        request={"application/json": BatchInput, "application/xml": OpenApiTypes.BINARY},
        responses={201: BatchDetailOutput},
        parameters=[
            IDEMPOTENCY_HEADER_PARAMETER,
            OpenApiParameter(
                "verify_payee", OpenApiTypes.BOOL, OpenApiParameter.QUERY, required=False,
                description="For a pain.001 body: false to skip verification of payee for this file (recorded).",
            ),
        ],
        examples=[_JSON_EXAMPLE, _RESULT_EXAMPLE],
    )  # fmt: skip
    @idempotent
    def post(self, request: Request) -> Response:
        customer_id = self.acting_for_id_or_404()
        if isinstance(request.data, bytes):
            file = parse_pain001(request.data)
            source_format, verify = BatchFormat.PAIN001, request.query_params.get("verify_payee") != "false"
            source_id = self._account_id(customer_id, file.debtor_iban) if file.debtor_iban else None
        else:
            body = BatchInput(data=request.data)
            body.is_valid(raise_exception=True)
            file, source_format = parse_json(body.validated_data["payments"]), BatchFormat.JSON
            verify = body.validated_data["verify_payee"]
            source_id = self._source_of_json(customer_id, body.validated_data)
        if source_id is None:
            raise batches.BatchRefused(
                "No such account of yours.", code="unknown_account", field="source_account", input_error=True
            )
        batch = batches.batch_create(
            customer_id=customer_id,
            source_account_id=source_id,
            file=BatchFile(lines=file.lines, message_id=file.message_id),
            source_format=source_format,
            idempotency_key=f"api:{self.partner.application_id}:{request.idempotency_key}",  # type: ignore[attr-defined]
            vop_opt_out=not verify,
            partner_id=self.partner.application_id,
            now=self.now(),
        )
        batch.refresh_from_db()
        return Response(BatchDetailOutput(batch).data, status=201)

    def _source_of_json(self, customer_id: int, data: dict[str, Any]) -> int | None:
        named = {str(item.get("source_account") or "").strip() for item in data["payments"] if isinstance(item, dict)}
        named.discard("")
        if data["source_account"]:
            named.add(data["source_account"].strip())
        if len(named) != 1:
            raise BatchFileRefused(
                "Name one source_account for the batch (at the top, or the same on every payment).",
                code="source_account_required",
                field="source_account",
            )
        return self._account_id(customer_id, named.pop())


class PaymentBatchDetailApi(_BatchesApi):
    required_scopes = ["payments:read"]

    @extend_schema(
        operation_id="v1_payment_batches_retrieve", responses={200: BatchDetailOutput}, examples=[_RESULT_EXAMPLE]
    )
    def get(self, request: Request, batch_id: str) -> Response:
        return Response(BatchDetailOutput(self._own(batch_id)).data)
