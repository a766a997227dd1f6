"""``webhook-endpoints/``: a partner's endpoints, their secret rotation, delivery log and redelivery."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from bankcore.api import cursors, webhooks
from bankcore.api.fields import StrictSerializer
from bankcore.api.idempotency import IDEMPOTENCY_HEADER_PARAMETER, idempotent
from bankcore.api.models import WebhookDelivery
from bankcore.api.pagination import CURSOR_PARAMETER, page_of
from bankcore.api.partner import PartnerApiView
from bankcore.api.webhooks import WebhookEndpointView


class EndpointInput(StrictSerializer):
    url = serializers.URLField(max_length=500)
    event_types = serializers.ListField(child=serializers.CharField(max_length=100), min_length=1, max_length=50)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class EndpointUpdateInput(StrictSerializer):
    url = serializers.URLField(max_length=500, required=False)
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=100), min_length=1, max_length=50, required=False
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False)


class EndpointOutput(serializers.Serializer[Any]):
    id = serializers.CharField(source="public_id")
    url = serializers.CharField()
    event_types = serializers.ListField(child=serializers.CharField())
    description = serializers.CharField()
    status = serializers.CharField()
    disabled_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class EndpointCreatedOutput(EndpointOutput):
    secret = serializers.CharField(help_text="Shown only now: keep it to verify signatures.")


class DeliveryOutput(serializers.Serializer[Any]):
    id = serializers.CharField(source="public_id")
    event_id = serializers.CharField()
    event_type = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    log = serializers.SerializerMethodField()

    def get_log(self, delivery: WebhookDelivery) -> list[dict[str, Any]]:
        return [
            {
                "at": a.attempted_at.isoformat(),
                "status_code": a.status_code,
                "duration_ms": a.duration_ms,
                "error": a.error,
            }
            for a in delivery.attempt_log.all()
        ]


class _EndpointApi(PartnerApiView):
    required_scopes = ["webhooks:manage"]

    def _own(self, endpoint_id: str) -> WebhookEndpointView:
        endpoint = webhooks.webhook_endpoint_get(public_id=endpoint_id, application_id=self.partner.application_id)
        if endpoint is None:
            raise exceptions.NotFound()
        return endpoint


class WebhookEndpointListCreateApi(_EndpointApi):
    @extend_schema(
        request=EndpointInput, responses={201: EndpointCreatedOutput}, parameters=[IDEMPOTENCY_HEADER_PARAMETER]
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = EndpointInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = webhooks.webhook_endpoint_create(
            application_id=self.partner.application_id, **data.validated_data, now=timezone.now()
        )
        body = {**EndpointOutput(created.endpoint).data, "secret": created.secret}
        return Response(body, status=201)

    @extend_schema(responses={200: page_of(EndpointOutput)})
    def get(self, request: Request) -> Response:
        found = webhooks.webhook_endpoints_of_partner(application_id=self.partner.application_id)
        return Response({"results": EndpointOutput(found, many=True).data, "next": None})


class WebhookEndpointDetailApi(_EndpointApi):
    @extend_schema(responses={200: EndpointOutput})
    def get(self, request: Request, endpoint_id: str) -> Response:
        return Response(EndpointOutput(self._own(endpoint_id)).data)

    @extend_schema(request=EndpointUpdateInput, responses={200: EndpointOutput})
    def patch(self, request: Request, endpoint_id: str) -> Response:
        endpoint = self._own(endpoint_id)
        data = EndpointUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        updated = webhooks.webhook_endpoint_update(
            endpoint_id=endpoint.id,
            application_id=self.partner.application_id,
            now=timezone.now(),
            **data.validated_data,
        )
        return Response(EndpointOutput(updated).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, endpoint_id: str) -> Response:
        endpoint = self._own(endpoint_id)
        webhooks.webhook_endpoint_delete(endpoint_id=endpoint.id, application_id=self.partner.application_id)
        return Response(status=204)


class WebhookSecretRotateApi(_EndpointApi):
    @extend_schema(request=None, responses={200: EndpointCreatedOutput}, parameters=[IDEMPOTENCY_HEADER_PARAMETER])
    @idempotent
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = self._own(endpoint_id)
        secret = webhooks.webhook_secret_rotate(
            endpoint_id=endpoint.id, application_id=self.partner.application_id, now=timezone.now()
        )
        return Response({**EndpointOutput(endpoint).data, "secret": secret})


class WebhookDeliveryListApi(_EndpointApi):
    @extend_schema(
        parameters=[CURSOR_PARAMETER],
        responses={200: page_of(DeliveryOutput)},
        summary="The endpoint's deliveries, newest first, in cursor pages",
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        endpoint = self._own(endpoint_id)
        page = webhooks.webhook_deliveries_of_endpoint(endpoint_id=endpoint.id, before=cursors.page_before(request))
        return Response(
            {
                "results": DeliveryOutput(page.items, many=True).data,
                "next": cursors.next_link(request, before=page.next_before),
            }
        )


class WebhookRedeliverApi(_EndpointApi):
    @extend_schema(request=None, responses={202: None}, parameters=[IDEMPOTENCY_HEADER_PARAMETER])
    @idempotent
    def post(self, request: Request, endpoint_id: str, delivery_id: str) -> Response:
        endpoint = self._own(endpoint_id)
        if not WebhookDelivery.objects.filter(endpoint_id=endpoint.id, public_id__iexact=delivery_id).exists():
            raise exceptions.NotFound()
        webhooks.webhook_delivery_redeliver(
            delivery_public_id=delivery_id, application_id=self.partner.application_id, now=timezone.now()
        )
        return Response({"status": "pending"}, status=202)
