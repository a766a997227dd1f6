"""Kernel endpoints of the partner API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from oauth2_provider.models import AccessToken
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bankcore.api.authentication import PartnerTokenAuthentication
from bankcore.api.permissions import IsPartner


class PartnerMeApi(APIView):
    """Which partner the token belongs to and what it may do: for checking credentials."""

    authentication_classes = [PartnerTokenAuthentication]
    permission_classes = [IsPartner]

    class PartnerOutput(serializers.Serializer[Any]):
        partner = serializers.CharField()
        client_id = serializers.CharField()
        scopes = serializers.ListField(child=serializers.CharField())
        expires_at = serializers.DateTimeField()

    @extend_schema(responses={200: PartnerOutput}, summary="The calling partner and its scopes")
    def get(self, request: Request) -> Response:
        token = request.auth
        assert isinstance(token, AccessToken)  # IsPartner let only such tokens through
        application = token.application
        return Response(
            self.PartnerOutput(
                {
                    "partner": application.name,
                    "client_id": application.client_id,
                    "scopes": sorted(token.scope.split()),
                    "expires_at": token.expires,
                }
            ).data
        )
