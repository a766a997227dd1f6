"""The kernel's consents resolve accounts through what accounts registered at start."""

from __future__ import annotations

from datetime import datetime

import pytest

from apps.accounts.wire import account_wire_id
from bankcore.api import directory
from tests.apps.accounts.factories import open_account

pytestmark = pytest.mark.django_db


def test_an_api_id_or_an_iban_names_the_account_and_its_holder(now: datetime) -> None:
    account = open_account(now=now)
    by_id = directory.account_resolve(account_wire_id(account.pk))
    by_iban = directory.account_resolve(account.iban.lower())
    assert by_id == by_iban == directory.account_describe(account.pk)
    assert by_id is not None
    assert (by_id.account_id, by_id.customer_id, by_id.iban) == (account.pk, account.customer_id, account.iban)


def test_anything_else_is_unknown(now: datetime) -> None:
    account = open_account(now=now)
    assert directory.account_resolve(account_wire_id(account.pk + 1000)) is None
    assert directory.account_resolve("DE89370400440532013000") is None
    assert directory.account_resolve("acc_") is None
