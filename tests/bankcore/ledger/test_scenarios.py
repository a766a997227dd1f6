"""One table of posting rules, run against every way the ledger posts a transfer.

The rules are written twice (the SQL functions for PostgreSQL, the ORM path for SQLite and for
holds), so they are tested once, here, through each writer:

- ``function``: ``transfer`` on PostgreSQL, one call of ``ledger_post``;
- ``batch``: ``post_batch`` on PostgreSQL, one call of ``ledger_post_batch``;
- ``orm`` and ``orm_batch``: the same services through the ORM, as on SQLite (on PostgreSQL the
  test routes them there, so both writers meet PostgreSQL's triggers too).

A case opens its accounts in the order written (so in ascending id order: refusals name the
lower id first), funds them from an internal account, places holds, then runs its moves in order:
one by one through ``transfer``, or as one batch. Each move is posted or refused with a code;
the balances after and the entries written must be the same on every path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import Entry, Posting
from bankcore.ledger.values import TransferRequest
from bankcore.money import MAX_MINOR, Money
from tests.bankcore.ledger.conftest import eur

pytestmark = pytest.mark.django_db

UNKNOWN = "unknown"  # an account name that opens nothing: an id no row has
UNKNOWN_ID = 987_654_321
UNSTORABLE = "unstorable"  # an id no BIGINT column can hold
UNSTORABLE_ID = 2**63


@dataclass(frozen=True)
class Account:
    balance: int = 0  # paid in by the bank before the moves
    held: int = 0  # an active hold of this much
    status: str = "open"
    currency: str = "EUR"
    allow_negative: bool = False
    overdraft: int = 0
    normal_side: str = "credit"


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    amount: object  # Money, or something else a caller might pass
    code: str = ""  # "" when posted
    key: str = ""  # "" for a key of its own; the same key twice is a replay or a conflict
    batch_code: str | None = None  # where a batch refuses with another code than a single post

    def expected(self, path: str) -> str:
        return self.code if self.batch_code is None or path not in BATCHES else self.batch_code


@dataclass(frozen=True)
class Case:
    name: str
    accounts: dict[str, Account]
    moves: list[Move]
    after: dict[str, int]  # balances after, from the holder's side
    available: dict[str, int] = field(default_factory=dict)  # balance less holds, where it matters


A, B = "a", "b"
OPEN = {A: Account(balance=10_000), B: Account()}

CASES = [
    # --- amounts ---------------------------------------------------------------------------------
    Case("posted", OPEN, [Move(A, B, eur(2_500))], {A: 7_500, B: 2_500}),
    Case(
        "down to zero, then not below",
        OPEN,
        [Move(A, B, eur(10_000)), Move(A, B, eur(1), "insufficient_funds")],
        {A: 0, B: 10_000},
    ),
    Case("more than the balance", OPEN, [Move(A, B, eur(10_001), "insufficient_funds")], {A: 10_000, B: 0}),
    Case("zero", OPEN, [Move(A, B, eur(0), "invalid_amount")], {A: 10_000, B: 0}),
    Case("negative", OPEN, [Move(A, B, eur(-100), "invalid_amount")], {A: 10_000, B: 0}),
    Case("an int is not money", OPEN, [Move(A, B, 100, "invalid_amount")], {A: 10_000, B: 0}),
    Case("a float is not money", OPEN, [Move(A, B, 1.5, "invalid_amount")], {A: 10_000, B: 0}),
    Case("text is not money", OPEN, [Move(A, B, "1.00", "invalid_amount")], {A: 10_000, B: 0}),
    Case("another currency", OPEN, [Move(A, B, Money(100, "USD"), "currency_mismatch")], {A: 10_000, B: 0}),
    Case("one account", OPEN, [Move(A, A, eur(1), "same_account")], {A: 10_000}),
    # --- floors ----------------------------------------------------------------------------------
    Case(
        "an overdraft limit is the floor",
        {A: Account(balance=1_000, overdraft=5_000), B: Account()},
        [Move(A, B, eur(6_000)), Move(A, B, eur(1), "insufficient_funds")],
        {A: -5_000, B: 6_000},
    ),
    Case(
        "an account that may go negative has no floor",
        {A: Account(allow_negative=True), B: Account()},
        [Move(A, B, eur(MAX_MINOR))],
        {A: -MAX_MINOR, B: MAX_MINOR},
    ),
    Case(
        "a balance beyond 64 bits",
        {A: Account(allow_negative=True), B: Account(), "c": Account(allow_negative=True)},
        [Move(A, B, eur(MAX_MINOR)), Move("c", B, eur(1), "amount_out_of_range")],
        {A: -MAX_MINOR, B: MAX_MINOR, "c": 0},
    ),
    Case(
        "a debit-normal asset grows with a deposit and cannot go below zero",
        {"cash": Account(normal_side="debit"), B: Account(balance=50)},
        [Move("cash", B, eur(700)), Move(B, "cash", eur(700)), Move(B, "cash", eur(1), "insufficient_funds")],
        {"cash": 0, B: 50},
    ),
    # --- accounts --------------------------------------------------------------------------------
    Case("to an unknown account", OPEN, [Move(A, UNKNOWN, eur(1), "unknown_account")], {A: 10_000}),
    Case("from an unknown account", OPEN, [Move(UNKNOWN, B, eur(1), "unknown_account")], {B: 0}),
    Case("an id no row can have", OPEN, [Move(UNSTORABLE, A, eur(1), "unknown_account")], {A: 10_000}),
    Case(
        "to a frozen account",
        {A: Account(balance=100), B: Account(status="frozen")},
        [Move(A, B, eur(1), "account_frozen")],
        {A: 100, B: 0},
    ),
    Case(
        "from a frozen account",
        {A: Account(balance=100, status="frozen"), B: Account()},
        [Move(A, B, eur(1), "account_frozen")],
        {A: 100, B: 0},
    ),
    Case(
        "to a credit-only account",
        {A: Account(balance=100), B: Account(status="credit_only")},
        [Move(A, B, eur(60))],
        {A: 40, B: 60},
    ),
    Case(
        "from a credit-only account, not even what it just received",
        {A: Account(balance=100), B: Account(status="credit_only")},
        [Move(A, B, eur(60)), Move(B, A, eur(1), "account_credit_only")],
        {A: 40, B: 60},
    ),
    Case(
        "a frozen account is named before a credit-only one of a higher id",
        {"frozen": Account(status="frozen"), "credit_only": Account(balance=5, status="credit_only")},
        [Move("credit_only", "frozen", eur(1), "account_frozen")],
        {"frozen": 0, "credit_only": 5},
    ),
    Case(
        "to a closed account",
        {A: Account(balance=100), B: Account(status="closed")},
        [Move(A, B, eur(1), "account_closed")],
        {A: 100, B: 0},
    ),
    # --- refusal order: per account in ascending id order, each checked in the rules' order -------
    Case(
        "the lower id's refusal is named first",
        {"frozen": Account(status="frozen"), "closed": Account(status="closed")},
        [Move("closed", "frozen", eur(1), "account_frozen"), Move("frozen", "closed", eur(1), "account_frozen")],
        {"frozen": 0, "closed": 0},
    ),
    Case(
        "the currency before the status on one account",
        {A: Account(balance=100), "usd": Account(currency="USD", status="frozen")},
        [Move(A, "usd", eur(1), "currency_mismatch")],
        {A: 100, "usd": 0},
    ),
    Case(
        "a lower id's missing funds before a higher id's freeze",
        {A: Account(balance=5), B: Account(status="frozen")},
        [Move(A, B, eur(6), "insufficient_funds")],
        {A: 5, B: 0},
    ),
    Case(
        # A known difference, kept as it is: a single post names an unknown account wherever it
        # is; a batch judges each transfer's accounts in id order, so the frozen one comes first.
        "an unknown account with a frozen one of a lower id",
        {"frozen": Account(status="frozen")},
        [
            Move("frozen", UNKNOWN, eur(1), "unknown_account", batch_code="account_frozen"),
            Move(UNKNOWN, "frozen", eur(1), "unknown_account", batch_code="account_frozen"),
        ],
        {"frozen": 0},
    ),
    # --- holds -----------------------------------------------------------------------------------
    Case(
        "held money cannot be spent",
        {A: Account(balance=10_000, held=6_000), B: Account()},
        [Move(A, B, eur(4_001), "insufficient_funds"), Move(A, B, eur(4_000))],
        {A: 6_000, B: 4_000},
        available={A: 0},
    ),
    Case(
        "a hold counts against the overdraft too",
        {A: Account(balance=1_000, held=1_000, overdraft=500), B: Account()},
        [Move(A, B, eur(501), "insufficient_funds"), Move(A, B, eur(500))],
        {A: 500, B: 500},
        available={A: -500},
    ),
    Case(
        "money paid to a held account is available at once",
        {A: Account(balance=100), B: Account(balance=1_000, held=1_000)},
        [Move(A, B, eur(100)), Move(B, A, eur(100))],
        {A: 100, B: 1_000},
        available={B: 0},
    ),
    # --- several moves, in order -----------------------------------------------------------------
    Case(
        "an earlier move can fund a later one",
        {A: Account(balance=500), B: Account(), "c": Account()},
        [Move(A, B, eur(500)), Move(B, "c", eur(500)), Move(B, "c", eur(1), "insufficient_funds")],
        {A: 0, B: 0, "c": 500},
    ),
    Case(
        "each move is posted or refused on its own",
        {A: Account(balance=10_000), B: Account(), "frozen": Account(status="frozen")},
        [
            Move(A, B, eur(1_000)),
            Move(A, B, eur(50_000), "insufficient_funds"),
            Move(A, UNKNOWN, eur(1), "unknown_account"),
            Move(A, "frozen", eur(1), "account_frozen"),
            Move(A, B, Money(1, "USD"), "currency_mismatch"),
            Move(A, B, eur(0), "invalid_amount"),
            Move(A, A, eur(1), "same_account"),
            Move(A, B, eur(2_000)),
        ],
        {A: 7_000, B: 3_000, "frozen": 0},
    ),
    # --- keys ------------------------------------------------------------------------------------
    Case(
        "the same key twice posts once",
        OPEN,
        [Move(A, B, eur(100), key="k"), Move(A, B, eur(100), key="k")],
        {A: 9_900, B: 100},
    ),
    Case(
        "the same key for another amount is refused",
        OPEN,
        [Move(A, B, eur(100), key="k"), Move(A, B, eur(101), "idempotency_conflict", key="k")],
        {A: 9_900, B: 100},
    ),
    Case(
        "the same key for other accounts is refused",
        {A: Account(balance=100), B: Account(), "c": Account()},
        [Move(A, B, eur(100), key="k"), Move(A, "c", eur(100), "idempotency_conflict", key="k")],
        {A: 0, B: 100, "c": 0},
    ),
    Case(
        "a refused key is free for the next request",
        OPEN,
        [Move(A, B, eur(10_001), "insufficient_funds", key="k"), Move(A, B, eur(10_000), key="k")],
        {A: 0, B: 10_000},
    ),
]

BATCHES = ("batch", "orm_batch")
PATHS = [
    pytest.param("function", marks=pytest.mark.postgres),
    pytest.param("batch", marks=pytest.mark.postgres),
    "orm",
    "orm_batch",
]


def open_accounts(case: Case) -> dict[str, int]:
    moment = timezone.now()
    bank = ledger.account_open(name="Bank", currency="EUR", allow_negative=True, kind="internal")
    ids = {UNKNOWN: UNKNOWN_ID, UNSTORABLE: UNSTORABLE_ID}
    for name, spec in case.accounts.items():
        account = ledger.account_open(
            name=name,
            currency=spec.currency,
            allow_negative=spec.allow_negative,
            overdraft_limit_minor=spec.overdraft,
            normal_side=spec.normal_side,
            kind="internal" if spec.normal_side == "debit" else "customer",
        )
        ids[name] = account
        if spec.balance:
            ledger.transfer(
                from_account_id=bank, to_account_id=account, amount=eur(spec.balance), idempotency_key=f"fund-{name}"
            )
        if spec.held:
            ledger.hold_create(
                account_id=account,
                amount=eur(spec.held),
                idempotency_key=f"hold-{name}",
                expires_at=moment + timedelta(days=1),
                now=moment,
            )
        if spec.status == "frozen":
            ledger.account_freeze(account_id=account)
        elif spec.status == "credit_only":
            ledger.account_credit_only(account_id=account)
        elif spec.status == "closed":
            ledger.account_close(account_id=account)
    return ids


def run(path: str, case: Case, ids: dict[str, int]) -> list[tuple[str, int | None]]:
    """Each move's code ("" when posted) and entry id."""
    requests = [
        TransferRequest(ids[move.source], ids[move.target], move.amount, move.key or f"move-{n}")  # type: ignore[arg-type]
        for n, move in enumerate(case.moves)
    ]
    if path in BATCHES:
        return [("" if r.posted else r.code, r.entry_id) for r in ledger.post_batch(transfers=requests)]
    outcomes: list[tuple[str, int | None]] = []
    for request in requests:
        try:
            entry_id = ledger.transfer(
                from_account_id=request.from_account_id,
                to_account_id=request.to_account_id,
                amount=request.amount,
                idempotency_key=request.idempotency_key,
            )
        except ledger.LedgerError as refused:
            outcomes.append((refused.code, None))
        else:
            outcomes.append(("", entry_id))
    return outcomes


@pytest.fixture
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The writer under test; on PostgreSQL the ORM paths are the services' SQLite writers."""
    name = str(request.param)
    if name.startswith("orm") and connection.vendor == "postgresql":
        monkeypatch.setattr(ledger, "_post_sql", ledger._post_orm)
        monkeypatch.setattr(ledger, "_post_batch_sql", ledger._post_batch_orm)
    return name


@pytest.mark.parametrize("path", PATHS, indirect=True)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_path_applies_the_same_rules(path: str, case: Case) -> None:
    ids = open_accounts(case)
    entries_before = Entry.objects.count()

    outcomes = run(path, case, ids)

    assert [code for code, _ in outcomes] == [move.expected(path) for move in case.moves]
    assert {name: ledger_read.balance(account_id=ids[name]).minor for name in case.after} == case.after
    for name, available in case.available.items():
        assert ledger_read.available_balance(account_id=ids[name]).minor == available
    # One entry per key posted, the same id for its replays, and nothing from a refusal.
    posted: dict[str, set[int | None]] = {}
    for n, (move, (code, entry_id)) in enumerate(zip(case.moves, outcomes, strict=True)):
        if not code:
            posted.setdefault(move.key or f"move-{n}", set()).add(entry_id)
    assert all(len(entry_ids) == 1 and None not in entry_ids for entry_ids in posted.values())
    assert Entry.objects.count() - entries_before == len(posted)
    written = Entry.objects.filter(idempotency_key__in=list(posted))
    assert dict(written.values_list("idempotency_key", "id")) == {key: next(iter(v)) for key, v in posted.items()}
    assert Posting.objects.filter(entry__in=written).count() == 2 * len(posted)
    assert ledger_read.reconcile().clean
