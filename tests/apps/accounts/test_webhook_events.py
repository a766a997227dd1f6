"""Accounts' webhook events: the account's API id and fields, to the partners that may see it only."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.interest import bank_date
from apps.accounts.models import Account
from apps.accounts.services import statuses
from apps.accounts.statements import jobs
from bankcore.api.webhooks import webhook_event_types
from bankcore.events.models import OutboxEvent
from bankcore.users import roles
from tests.apps.accounts.factories import open_account, staff, verified_customer
from tests.bankcore.api.factories import (
    AccountConsentFactory,
    PartnerGrantFactory,
    deliveries_after_relay,
    webhook_endpoint,
)

EVENTS = ["account.opened", "account.status.changed", "account.statement.ready"]


def endpoint(application_id: int, name: str) -> int:
    return webhook_endpoint(application_id, name, EVENTS)


def test_every_type_is_in_the_catalogue() -> None:
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


class TestStatementReady:
    @pytest.fixture(autouse=True)
    def statements_dir(self, settings, tmp_path: Path) -> None:
        settings.STATEMENTS_DIR = tmp_path / "statements"

    @staticmethod
    def statement_of(
        account: Account, capture: Callable[..., AbstractContextManager[Any]], fmt: str = "camt053"
    ) -> int:
        """Ask for today's statement and let the job run (its task runs after commit)."""
        today = bank_date(timezone.now())
        with capture(execute=True):
            return jobs.statement_job_request(
                customer_id=account.customer_id,
                account_id=account.pk,
                from_date=today,
                to_date=today,
                fmt=fmt,
                now=timezone.now(),
            )

    def test_a_finished_job_writes_one_event_and_the_body_holds_api_ids_and_fields_only(
        self, django_capture_on_commit_callbacks
    ) -> None:
        holder = verified_customer()
        ours = webhook_endpoint(PartnerGrantFactory(acting_for=holder).application_id, "ours", EVENTS[2:])
        account = open_account(customer=holder, now=timezone.now())
        job_id = self.statement_of(account, django_capture_on_commit_callbacks)
        today = bank_date(timezone.now()).isoformat()
        assert list(OutboxEvent.objects.filter(name="account.statement.ready").values_list("payload", flat=True)) == [
            {
                "account_id": account.pk,
                "customer_id": holder.pk,
                "statement_id": job_id,
                "from_date": today,
                "to_date": today,
                "format": "camt053",
            }
        ]
        assert deliveries_after_relay() == {
            ours: [
                (
                    "account.statement.ready",
                    {
                        "account_id": f"acc_{account.pk}",
                        "statement_id": f"stmt_{job_id}",
                        "from_date": today,
                        "to_date": today,
                        "format": "camt053",
                    },
                )
            ]
        }  # no holder id, no file name: nothing the API does not show
        assert jobs.statement_job_run(job_id=job_id, now=timezone.now()) is False  # a redelivered task
        assert OutboxEvent.objects.filter(name="account.statement.ready").count() == 1

    def test_an_event_written_before_the_period_was_in_it_is_told_with_the_job_s_period(
        self, django_capture_on_commit_callbacks
    ) -> None:
        holder = verified_customer()
        ours = webhook_endpoint(PartnerGrantFactory(acting_for=holder).application_id, "ours", EVENTS[2:])
        account = open_account(customer=holder, now=timezone.now())
        job_id = self.statement_of(account, django_capture_on_commit_callbacks, fmt="pdf")
        event = OutboxEvent.objects.get(name="account.statement.ready")
        event.payload = {"account_id": account.pk, "customer_id": holder.pk, "statement_id": job_id}
        event.save(update_fields=["payload"])
        today = bank_date(timezone.now()).isoformat()
        told = deliveries_after_relay()[ours][0][1]
        assert (told["from_date"], told["to_date"], told["format"]) == (today, today, "pdf")

    def test_only_a_partner_whose_consent_names_the_account_hears_of_its_statement(
        self, django_capture_on_commit_callbacks
    ) -> None:
        holder = verified_customer()
        account = open_account(customer=holder, now=timezone.now())
        other_account = open_account(customer=holder, now=timezone.now())
        valid_until = timezone.now().date() + timedelta(days=90)
        consented = PartnerGrantFactory(acting_for=None).application
        AccountConsentFactory(application=consented, customer=holder, account_ids=[account.pk], valid_until=valid_until)
        elsewhere = PartnerGrantFactory(acting_for=None).application
        AccountConsentFactory(
            application=elsewhere, customer=holder, account_ids=[other_account.pk], valid_until=valid_until
        )
        theirs = webhook_endpoint(consented.pk, "consented", EVENTS[2:])
        webhook_endpoint(elsewhere.pk, "consent-on-another-account", EVENTS[2:])
        webhook_endpoint(PartnerGrantFactory(acting_for=None).application_id, "no-consent", EVENTS[2:])
        another_business = PartnerGrantFactory(acting_for=verified_customer()).application_id
        webhook_endpoint(another_business, "another-business", EVENTS[2:])
        job_id = self.statement_of(account, django_capture_on_commit_callbacks, fmt="pdf")
        delivered = deliveries_after_relay()
        assert list(delivered) == [theirs]
        assert delivered[theirs][0][0] == "account.statement.ready"
        assert delivered[theirs][0][1]["statement_id"] == f"stmt_{job_id}"
        assert delivered[theirs][0][1]["format"] == "pdf"
