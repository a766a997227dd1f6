"""Accounts' webhook events: the account's API id and fields, to the partners that may see it only."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.accounts.services import statuses
from bankcore.api.webhooks import webhook_event_types
from bankcore.users import roles
from tests.apps.accounts.factories import open_account, staff, verified_customer
from tests.bankcore.api.factories import (
    AccountConsentFactory,
    PartnerGrantFactory,
    deliveries_after_relay,
    webhook_endpoint,
)

EVENTS = ["account.opened", "account.status.changed"]


def endpoint(application_id: int, name: str) -> int:
    return webhook_endpoint(application_id, name, EVENTS)


def test_both_types_are_in_the_catalogue() -> None:
    assert set(EVENTS) <= set(webhook_event_types())


def test_the_acting_partner_hears_of_its_customers_account_and_nobody_else_does() -> None:
    holder = verified_customer()
    ours = endpoint(PartnerGrantFactory(acting_for=holder).application_id, "ours")
    endpoint(PartnerGrantFactory(acting_for=verified_customer()).application_id, "another-business")
    endpoint(PartnerGrantFactory(acting_for=None).application_id, "a-tpp-without-consent")
    account = open_account(customer=holder, now=timezone.now())
    support = staff(roles=[roles.SUPPORT_AGENT])
    statuses.account_block(account_id=account.pk, reason="court order 17/4", actor_id=support.pk, now=timezone.now())
    assert deliveries_after_relay() == {
        ours: [
            ("account.opened", {"account_id": f"acc_{account.pk}", "iban": account.iban, "currency": "EUR"}),
            (
                "account.status.changed",
                {"account_id": f"acc_{account.pk}", "status": "blocked", "previous_status": "open"},
            ),
        ]
    }  # the staff's reason is not the partner's to read


def test_a_consent_naming_the_account_opens_its_events_to_that_provider() -> None:
    holder = verified_customer()
    account = open_account(customer=holder, now=timezone.now())
    other_account = open_account(customer=holder, now=timezone.now())
    tpp = PartnerGrantFactory(acting_for=None).application
    theirs = endpoint(tpp.pk, "tpp")
    assert deliveries_after_relay() == {}  # opened before any consent of the holder's named them
    AccountConsentFactory(
        application=tpp,
        customer=holder,
        account_ids=[account.pk],
        valid_until=timezone.now().date() + timedelta(days=90),
    )
    support = staff(roles=[roles.SUPPORT_AGENT])
    for each in (account, other_account):
        statuses.account_block(account_id=each.pk, reason="check", actor_id=support.pk, now=timezone.now())
    assert deliveries_after_relay() == {
        theirs: [
            (
                "account.status.changed",
                {"account_id": f"acc_{account.pk}", "status": "blocked", "previous_status": "open"},
            )
        ]
    }
