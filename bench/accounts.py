"""Accounts: a filtered page of 50 deep in an account with a million postings, through the portal view.

Needs PostgreSQL (DATABASE_URL, a user that may CREATE DATABASE and disable triggers for the load);
runs in a scratch database of its own, dropped at the end. The account is opened by the accounts service; its million
postings (and the counterparty's) are written set-based in a few statements, the way
``bench/ledger.py`` builds its long history, then proven by ``reconcile``. The page is requested
through Django's test client (every middleware, the view, the template), signed in as its owner.

- ``accounts.history_page_ms``: median time of the account page, filtered by a booking-date range,
  direction and amount range, starting in the middle of the history (a keyset cursor). Baseline:
  the same page unfiltered and newest first, in the same run (a ratio near 1 says depth and
  filters cost nothing).
- ``accounts.history_page_text_ms``: the same deep page with a text filter as well (it reads the
  entries' descriptions along the way).
Figures are in docs/BENCHMARKS.md ("Accounts").
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bench.result import emit
from bench.scratch import postgres_url, scratch_database

POSTINGS = 1_000_000
REPEAT = 60
START = datetime(2022, 1, 1, tzinfo=UTC)
SECONDS_APART = 60  # a million postings over about 23 months


def run() -> int:
    if not postgres_url():
        sys.stderr.write("bench accounts: needs DATABASE_URL=postgres://… (a user that may CREATE DATABASE)\n")
        return 2
    with scratch_database("accounts"):
        return _run()


def _build(account_ledger_id: int, bank_ledger_id: int) -> None:
    """A million transactions: every even one money in ((g % 997) + 100 cents), every odd one out."""
    from django.db import connection, transaction

    # %% is a literal % in a statement with parameters.
    amount = "CASE WHEN g = 1 THEN 10000000 WHEN g %% 2 = 0 THEN (g %% 997) + 100 ELSE -((g %% 997) + 1) END"
    with transaction.atomic(), connection.cursor() as cursor:
        # Per-row checks off for the load (they would run per posting); reconcile proves it after.
        cursor.execute("ALTER TABLE ledger_posting DISABLE TRIGGER ALL")
        cursor.execute("ALTER TABLE ledger_entry DISABLE TRIGGER ALL")
        cursor.execute("SELECT COALESCE(max(id), 0) FROM ledger_entry")
        base = cursor.fetchone()[0]
        interval = f"'{START.isoformat()}'::timestamptz + g * interval '{SECONDS_APART} seconds'"
        series = "generate_series(1, %s) AS s(g)"
        cursor.execute(
            "INSERT INTO ledger_entry (id, idempotency_key, kind, description, metadata, fingerprint, created_at)"
            " SELECT %s + g, 'bench-history-' || (%s + g), 'transfer', 'Payment ' || (g %% 1000), '{}', '',"
            f" {interval}"
            f" FROM {series}",
            [base, base, POSTINGS],
        )
        # Both legs of each entry side by side in id order, as the ledger writes them.
        # Customer money is credit-normal: money in is a credit (negative amount_minor).
        cursor.execute(
            "INSERT INTO ledger_posting"
            " (entry_id, account_id, amount_minor, currency, balance_after_minor, created_at)"
            " SELECT %s + t.g, v.account, v.amount, 'EUR', v.after, t.at"
            f" FROM (SELECT g, {amount} AS holder, sum({amount}) OVER (ORDER BY g) AS running, {interval} AS at"
            f"       FROM {series}) AS t"
            " CROSS JOIN LATERAL (VALUES (1, %s::bigint, -t.holder, t.running), (2, %s::bigint, t.holder, -t.running))"
            "   AS v(side, account, amount, after)"
            " ORDER BY t.g, v.side",
            [base, POSTINGS, account_ledger_id, bank_ledger_id],
        )
        cursor.execute(
            "UPDATE ledger_ledgeraccount SET balance_minor ="
            " (SELECT balance_after_minor FROM ledger_posting p WHERE p.account_id = ledger_ledgeraccount.id"
            "  ORDER BY p.id DESC LIMIT 1) WHERE id IN (%s, %s)",
            [account_ledger_id, bank_ledger_id],
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('ledger_entry', 'id'), (SELECT max(id) FROM ledger_entry))"
        )
        cursor.execute("ALTER TABLE ledger_posting ENABLE TRIGGER ALL")
        cursor.execute("ALTER TABLE ledger_entry ENABLE TRIGGER ALL")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE ledger_posting")
        cursor.execute("VACUUM ANALYZE ledger_entry")


def _median_ms(call: Callable[[], object]) -> float:
    for _ in range(5):
        call()  # warm: connection, template cache, plans
    samples = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return float(statistics.median(samples))


def _run() -> int:
    from django.conf import settings
    from django.test import Client

    from apps.accounts.models import Account
    from apps.accounts.services import opening, products
    from apps.kyc.models import CustomerKyc
    from apps.kyc.services import tiers_defaults_ensure
    from bankcore.ledger import selectors as ledger_read
    from bankcore.ledger import services as ledger
    from bankcore.ledger.models import Posting
    from bankcore.users.models import User

    # The test client's host, and no setup_test_environment(): its template instrumentation copies
    # the context at every template rendered (34 on this page, most of them the filter form's
    # widgets), which no customer's request pays. The page is checked by its HTML instead.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    tiers_defaults_ensure()
    products.products_defaults_ensure()
    user = User.objects.create_user(email="bench-history@example.test", password=None, full_name="Bench Holder")
    CustomerKyc.objects.create(customer=user, tier_id=2, risk_rating="low", updated_at=START)
    account_id = opening.account_open_for_customer(
        customer_id=user.pk, product_code="current", currency="EUR", now=START
    )
    account = Account.objects.get(pk=account_id)
    bank = ledger.account_open(name="Bench counterparty", currency="EUR", allow_negative=True, kind="internal")
    began = time.perf_counter()
    _build(account.ledger_account_id, bank)
    built = time.perf_counter() - began
    report = ledger_read.reconcile()
    if not report.clean:
        sys.stderr.write(f"bench accounts: the history is not consistent: {report.drifts[:3]}\n")
        return 1
    checked = time.perf_counter() - began - built
    sys.stderr.write(f"bench accounts: built {POSTINGS:,} postings in {built:.1f} s, reconciled in {checked:.1f} s\n")

    ids = Posting.objects.filter(account_id=account.ledger_account_id).order_by("id").values_list("id", flat=True)
    middle = ids[POSTINGS // 2]
    client = Client()
    client.force_login(user)
    url = f"/app/accounts/{account.pk}/"
    filtered = {
        "booked_from": "2022-03-01", "booked_to": "2023-10-31", "direction": "in",
        "amount_min": "2.00", "amount_max": "8.00", "before": str(middle),
    }  # fmt: skip

    def page(params: dict[str, str]) -> None:
        response = client.get(url, params)
        assert response.status_code == 200, response.status_code
        assert response.content.count(b"<tr data-transaction=") == 50

    first = _median_ms(lambda: page({}))
    deep = _median_ms(lambda: page(filtered))
    text = _median_ms(lambda: page({**filtered, "q": "payment 4"}))
    emit("accounts.history_page_ms", deep, "ms", baseline="accounts.history_first_page_ms", baseline_value=first)
    emit("accounts.history_page_text_ms", text, "ms", baseline="accounts.history_page_ms", baseline_value=deep)
    return 0
