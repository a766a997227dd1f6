"""fraud partner API: sanctions screening as a service (``screening/names/``).

A partner screens a name of its own records (a payee, a customer of its own) against the lists
the bank screens with, and gets the hits with their reasons. Nothing changes, so the POST takes
no Idempotency-Key (``bankcore.api.schema.IDEMPOTENCY_EXEMPT``). The name itself is kept nowhere:
the log line says which partner screened, when, and how many hits, for the audit trail.
"""

from __future__ import annotations

import structlog
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.fraud import conf
from apps.fraud.api import serializers as s
from apps.fraud.selectors import sanctions as lists
from bankcore.api.partner import PartnerApiView
from bankcore.text import name_for_screening

log = structlog.get_logger(__name__)


class ScreeningNamesApi(PartnerApiView):
    required_scopes = ["screening:read"]

    @extend_schema(
        operation_id="v1_screening_names_screen",
        request=s.ScreeningInput,
        responses={200: s.ScreeningOutput},
        summary="Screen a name against the sanctions lists",
    )
    def post(self, request: Request) -> Response:
        body = s.ScreeningInput(data=request.data)
        body.is_valid(raise_exception=True)
        now = self.now()
        arguments = body.screening_arguments()
        # What ``interface.screen_name`` does for other apps; a door of this app may not call another.
        matches = lists.sanctions_screen(**{**arguments, "name": name_for_screening(arguments["name"])})
        log.info(
            "partner_name_screened",
            partner_application_id=self.partner.application_id,
            screened_at=now.isoformat(),
            hits=len(matches),
        )
        return Response(
            {
                "hits": [s.hit_out(match) for match in matches],
                "threshold": s.score_text(float(conf.get("SANCTIONS_MATCH_THRESHOLD"))),
                "screened_at": now.isoformat(),
            }
        )
