"""wallets partner API: the wallets of the partner's own business customer, and transfers from them.

Thin: each view parses, makes one service or selector call, and answers. A wallet or transfer
the partner may not see is a 404, like an unknown id; a refusal is a 422 problem with its code.
A transfer made here uses the secure-corporate exemption (PSD2 RTS art. 17): the partner acts
for its own business customer over this dedicated API.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.wallets import selectors
from apps.wallets.api import serializers as s
from apps.wallets.errors import WalletNotFound
from apps.wallets.services import transfers
from bankcore.api.cursors import next_link, page_before
from bankcore.api.idempotency import IDEMPOTENCY_HEADER_PARAMETER, idempotent
from bankcore.api.pagination import CURSOR_PARAMETER, page_of
from bankcore.api.partner import PartnerApiView

PAGE = 50


def _id(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise WalletNotFound("No such wallet.")
    return int(value)


class WalletListApi(PartnerApiView):
    required_scopes = ["wallets:read"]

    @extend_schema(
        operation_id="v1_wallets_list",
        parameters=[CURSOR_PARAMETER],
        responses={200: page_of(s.WalletOutput)},
        summary="Wallets, newest first",
    )
    def get(self, request: Request) -> Response:
        customer_id = self.acting_for_id_or_404()
        page = selectors.wallets_page(customer_id=customer_id, before=page_before(request), limit=PAGE)
        return Response(
            {"results": [s.wallet_output(w) for w in page.items], "next": next_link(request, before=page.next_before)}
        )


class WalletDetailApi(PartnerApiView):
    required_scopes = ["wallets:read"]

    @extend_schema(responses={200: s.WalletOutput})
    def get(self, request: Request, wallet_id: str) -> Response:
        wallet = selectors.wallet_by_id(wallet_id=_id(wallet_id))
        owner = wallet.customer_id if wallet is not None else None
        self.require_visible(customer_id=owner, account_id=None, access="wallets", count=False)
        assert wallet is not None
        return Response(s.wallet_output(selectors.wallet_view(wallet)))


class TransferListApi(PartnerApiView):
    @property
    def required_scopes(self) -> list[str]:  # type: ignore[override]
        # Reading the sends needs wallets:read; making one, wallets:write.
        return ["wallets:write"] if self.request.method == "POST" else ["wallets:read"]

    @extend_schema(
        operation_id="v1_wallet_transfers_list",
        parameters=[CURSOR_PARAMETER],
        responses={200: page_of(s.TransferOutput)},
        summary="Sends, newest first",
    )
    def get(self, request: Request) -> Response:
        customer_id = self.acting_for_id_or_404()
        page = selectors.transfers_sent_page(customer_id=customer_id, before=page_before(request), limit=PAGE)
        return Response(
            {"results": [s.transfer_output(t) for t in page.items], "next": next_link(request, before=page.next_before)}
        )

    @extend_schema(
        parameters=[IDEMPOTENCY_HEADER_PARAMETER], request=s.TransferInput, responses={201: s.TransferOutput}
    )
    @idempotent
    def post(self, request: Request) -> Response:
        customer_id = self.acting_for_id_or_404()
        data = s.TransferInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = data.validated_data
        recipient = fields["recipient"]
        result = transfers.p2p_send(
            customer_id=customer_id, source_wallet_id=fields["source_wallet"],
            address=recipient.get("email") or recipient.get("phone") or "",
            recipient_wallet_id=int(recipient["wallet"]) if "wallet" in recipient else None,
            amount=fields["money"], note=fields["note"], idempotency_key=request.idempotency_key,  # type: ignore[attr-defined]
            now=self.now(), secure_corporate=True,
        )  # fmt: skip
        transfer = selectors.transfer_get(customer_id=customer_id, transfer_id=result.id)
        return Response(s.transfer_output(transfer), status=201)


class TransferDetailApi(PartnerApiView):
    required_scopes = ["wallets:read"]

    @extend_schema(responses={200: s.TransferOutput})
    def get(self, request: Request, transfer_id: str) -> Response:
        customer_id = self.acting_for_id_or_404()
        transfer = selectors.transfer_sent(customer_id=customer_id, transfer_id=_id(transfer_id))
        return Response(s.transfer_output(transfer))
