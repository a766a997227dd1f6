"""Partner API: the accounts a partner may see (its business customer's, or opened by a consent).

Anything else is 404, the same as an unknown id (``PartnerApiView.require_visible``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import history, selectors, wire
from apps.accounts.api import serializers as s
from apps.accounts.models import Account
from bankcore.api import cursors, visibility
from bankcore.api.pagination import CURSOR_PARAMETER, page_of
from bankcore.api.partner import PartnerApiView

TRANSACTION_PAGE = 50


class _AccountApi(PartnerApiView):
    required_scopes = ["accounts:read"]

    def visible_account(self, account_id: str, *, access: str) -> Account:
        number = wire.account_id_from_wire(account_id)
        account = None if number is None else selectors.account_get(account_id=number)
        self.require_visible(
            customer_id=account.customer_id if account else None,
            account_id=account.pk if account else None,
            access=access,
        )
        assert account is not None
        return account


def _holder(account: Account) -> str:
    return account.customer.full_name or account.customer.email


class AccountListApi(_AccountApi):
    @extend_schema(
        operation_id="v1_accounts_list",
        responses={200: page_of(s.AccountOutput)},
        summary="The accounts this partner may see",
    )
    def get(self, request: Request) -> Response:
        seen = visibility.partner_visibility(application_id=self.partner.application_id, now=self.now())
        accounts = selectors.accounts_visible(
            customer_id=seen.acting_for_id, account_ids=sorted(seen.account_ids(access="accounts"))
        )
        results = [s.account_out(selectors.account_summary(account=a), holder_name=_holder(a)) for a in accounts]
        return Response({"results": results, "next": None})


class AccountDetailApi(_AccountApi):
    @extend_schema(responses={200: s.AccountOutput}, summary="One account")
    def get(self, request: Request, account_id: str) -> Response:
        account = self.visible_account(account_id, access="accounts")
        return Response(s.account_out(selectors.account_summary(account=account), holder_name=_holder(account)))


class AccountBalancesApi(_AccountApi):
    @extend_schema(responses={200: s.BalancesOutput}, summary="Booked and available balance and the arranged overdraft")
    def get(self, request: Request, account_id: str) -> Response:
        account = self.visible_account(account_id, access="balances")
        return Response(s.balances_out(selectors.account_summary(account=account)))


class AccountTransactionsApi(_AccountApi):
    @extend_schema(
        parameters=[
            OpenApiParameter("booked_from", str, description="First booking day (YYYY-MM-DD, bank time zone)"),
            OpenApiParameter("booked_to", str, description="Last booking day (YYYY-MM-DD)"),
            CURSOR_PARAMETER,
        ],
        responses={200: page_of(s.TransactionOutput)},
        summary="Transactions, newest first, in cursor pages",
    )
    def get(self, request: Request, account_id: str) -> Response:
        account = self.visible_account(account_id, access="transactions")
        query = s.TransactionQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data: dict[str, Any] = query.validated_data
        page = history.history_page(
            account=account,
            wanted=history.HistoryFilter(booked_from=data.get("booked_from"), booked_to=data.get("booked_to")),
            before=data.get("cursor"),
            limit=TRANSACTION_PAGE,
        )
        return Response(
            {
                "results": [s.transaction_out(item) for item in page.items],
                "next": cursors.next_link(request, before=page.next_before),
            }
        )
