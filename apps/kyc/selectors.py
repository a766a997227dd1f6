"""Reads of KYC: a customer's standing, the limit that applies, the usage counted so far.

``limits_inputs`` is on every payment's path: it is one hand-written statement (an ORM query
spends more time being compiled than being answered; see bench/kyc.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery

from apps.kyc.models import CaseState, CaseTransition, CustomerKyc, KycCase, Limit, Party, PartyKind, Tier, UsageBucket
from apps.kyc.models.cases import CLOSED_STATES
from bankcore import crypto
from bankcore import sql as server_sql
from bankcore.fx import selectors as fx

_STATUS = CustomerKyc._meta.db_table
_TIER = Tier._meta.db_table
_LIMIT = Limit._meta.db_table
_BUCKET = UsageBucket._meta.db_table


@dataclass(frozen=True)
class Standing:
    tier: int
    tier_name: str
    moves_money: bool
    risk_rating: str
    restricted: bool


@dataclass(frozen=True)
class LimitRow:
    kind: str
    per_transaction_minor: int | None
    per_day_minor: int | None
    per_month_minor: int | None
    held_minor: int | None


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def bank_day(*, now: datetime) -> date:
    """The booking day of ``now`` in BANK_TIME_ZONE (a day and month window start there, not in UTC)."""
    return now.astimezone(_zone(settings.BANK_TIME_ZONE)).date()


def status_get(*, customer_id: int) -> CustomerKyc | None:
    """The standing with its tier and, as ``party_kind``, the party's kind (in the same statement)."""
    kind = Party.objects.filter(customer_id=OuterRef("customer_id")).values("kind")[:1]
    return (
        CustomerKyc.objects.select_related("tier")
        .annotate(party_kind=Subquery(kind))
        .filter(customer_id=customer_id)
        .first()
    )


def tier_get(*, level: int) -> Tier:
    return Tier.objects.get(level=level)


def limits_inputs(
    *, customer_id: int, kinds: list[str], day: date, priced_in: str = "EUR", now: datetime | None = None
) -> tuple[Standing, dict[str, LimitRow], dict[tuple[str, str], int], fx.RateView | None]:
    """All a limit decision reads, in one statement: the customer's standing (tier 0 if KYC has
    never seen them), the limits of ``kinds`` at their tier (the rating's own row before the
    tier's general one), the EUR minor units used per (kind, period) in ``day``'s buckets, and,
    for an amount ``priced_in`` another currency, the latest rate to EUR at ``now`` (None if none).

    A kind with no limit row is absent from the limits; a bucket never written is absent (zero).
    """
    marks = ", ".join(["%s"] * len(kinds))
    sql = f"""
        WITH s AS (
            SELECT t.level, t.name, t.moves_money, COALESCE(c.risk_rating, '') AS rating,
                   COALESCE(c.restricted, FALSE) AS restricted
            FROM {_TIER} t LEFT JOIN {_STATUS} c ON c.customer_id = %s
            WHERE t.level = COALESCE(c.tier_id, 0)
        )
        SELECT 'S' AS src, s.name AS text, s.rating AS tag, s.level AS n1,
               CASE WHEN s.moves_money THEN 1 ELSE 0 END AS n2, CASE WHEN s.restricted THEN 1 ELSE 0 END AS n3,
               NULL AS n4
        FROM s
        UNION ALL
        SELECT 'L', l.kind, l.risk_rating, l.per_transaction_minor, l.per_day_minor, l.per_month_minor, l.held_minor
        FROM {_LIMIT} l JOIN s ON l.tier_id = s.level AND l.risk_rating IN (s.rating, '')
        WHERE l.kind IN ({marks})
        UNION ALL
        SELECT 'U', b.kind, b.period, b.used_minor, NULL, NULL, NULL
        FROM {_BUCKET} b WHERE b.customer_id = %s AND b.kind IN ({marks})
          AND b.period IN ('day', 'month') AND b.starts_on IN (%s, %s)
          AND ((b.period = 'day' AND b.starts_on = %s) OR (b.period = 'month' AND b.starts_on = %s))
    """  # noqa: S608 - table names are ours; every value is a parameter
    # The bucket's IN lists are its unique index's columns: the scan reads the few buckets asked
    # for, not every bucket of the customer's year; the OR keeps the two that are meant.
    month = day.replace(day=1)
    params: list[int | str | date | datetime] = [customer_id, *kinds, customer_id, *kinds, day, month, day, month]
    if priced_in != "EUR":
        # The rate rides on the same round trip, in columns of its own beside the standing's row.
        if now is None:
            raise ValueError("pricing in EUR needs the moment of the rate")
        rate_sql, rate_params = fx.rate_latest_statement(base=priced_in, quote="EUR", now=now)
        sql = f"SELECT x.*, r.* FROM ({sql}) x LEFT JOIN ({rate_sql}) r ON x.src = 'S'"  # noqa: S608 - both ours
        params += rate_params
    standing: Standing | None = None
    limits: dict[str, LimitRow] = {}
    usage: dict[tuple[str, str], int] = {}
    rate: fx.RateView | None = None
    for source, text, tag, first, second, third, fourth, *rate_row in server_sql.rows(sql, params):
        if source == "S":
            standing = Standing(
                tier=int(first), tier_name=text, moves_money=bool(second), risk_rating=tag, restricted=bool(third)
            )
            if rate_row and rate_row[0] is not None:
                rate = fx.rate_of_row(rate_row)
        elif source == "U":
            usage[(text, tag)] = int(first)
        elif text not in limits or tag:  # the rating's own row wins
            limits[text] = LimitRow(text, first, second, third, fourth)
    if standing is None:
        raise Tier.DoesNotExist("tier 0 is missing: run migrations (apps/kyc/defaults.py)")
    return standing, limits, usage, rate


# --- parties and cases ---------------------------------------------------------------------------


def email_verified(*, customer_id: int) -> bool:
    """Whether the customer's sign-in address is verified (allauth's record of it)."""
    from allauth.account.models import EmailAddress

    return bool(EmailAddress.objects.filter(user_id=customer_id, verified=True).exists())


def party_get(*, customer_id: int) -> Party | None:
    return Party.objects.filter(customer_id=customer_id).first()


def party_name(*, customer_id: int) -> str | None:
    """``str(party)`` without loading the party: on every payment's path, for both holders."""
    row = Party.objects.filter(customer_id=customer_id).values_list("kind", "legal_name", "company_name").first()
    if row is None:
        return None
    kind, legal_name, company_name = row
    return company_name if kind == PartyKind.BUSINESS else legal_name


def party_same_identifier(*, party_id: int) -> list[Party]:
    """Other parties with the same national id or tax id (found through the blind indexes)."""
    party = Party.objects.get(pk=party_id)
    matches = Q()
    if party.national_id_index:
        matches |= Q(national_id_index=party.national_id_index)
    if party.tax_id_index:
        matches |= Q(tax_id_index=party.tax_id_index)
    if not matches:
        return []
    return list(Party.objects.filter(matches).exclude(pk=party_id).order_by("pk"))


def parties_by_identifier(*, kind: str, value: str) -> list[Party]:
    """Parties whose ``kind`` ("national_id" or "tax_id") equals ``value`` (normalised), by blind index."""
    if kind not in ("national_id", "tax_id"):
        raise ValueError(f"no blind index for {kind!r}")
    digest = crypto.blind_index(kind=kind, value=value)
    if not digest:
        return []
    return list(Party.objects.filter(**{f"{kind}_index": digest}).order_by("pk"))


def case_active(*, customer_id: int) -> KycCase | None:
    """The customer's case that is not decided yet (at most one: a constraint says so)."""
    return KycCase.objects.filter(customer_id=customer_id).exclude(state__in=CLOSED_STATES).first()


def case_current(*, customer_id: int) -> KycCase | None:
    """What the customer's status page shows: the active case, else the latest decided one."""
    active = case_active(customer_id=customer_id)
    if active is not None:
        return active
    return KycCase.objects.filter(customer_id=customer_id).order_by("-opened_at", "-pk").first()


def case_for_customer(*, customer_id: int, case_id: int) -> KycCase | None:
    """The case if it is the customer's own, else None (a door answers 404, never 403)."""
    return KycCase.objects.filter(pk=case_id, customer_id=customer_id).first()


def case_get(*, case_id: int) -> KycCase:
    return KycCase.objects.select_related("customer", "assignee").get(pk=case_id)


def case_queue(
    *,
    states: tuple[str, ...] = (CaseState.IN_REVIEW,),
    risk_rating: str | None = None,
    assignee_id: int | None = None,
    opened_before: datetime | None = None,
) -> QuerySet[KycCase]:
    """The officers' queue: oldest first, filtered by state, risk, assignee and age."""
    cases = KycCase.objects.filter(state__in=states).select_related("customer", "assignee")
    if risk_rating is not None:
        cases = cases.filter(risk_rating=risk_rating)
    if assignee_id is not None:
        cases = cases.filter(assignee_id=assignee_id)
    if opened_before is not None:
        cases = cases.filter(opened_at__lt=opened_before)
    return cases.order_by("opened_at", "pk")


def case_transitions(*, case_id: int) -> list[CaseTransition]:
    return list(CaseTransition.objects.filter(case_id=case_id).select_related("actor").order_by("at", "pk"))


def reviews_due(*, day: date) -> QuerySet[CustomerKyc]:
    """Approved customers whose review date has come (or passed)."""
    return CustomerKyc.objects.filter(tier_id=2, next_review_date__lte=day).order_by("next_review_date", "pk")


def cases_awaiting_screening(*, submitted_before: datetime) -> list[int]:
    """Cases submitted (or left in screening) before then: their screening task was lost."""
    stuck = KycCase.objects.filter(
        state__in=[CaseState.SUBMITTED, CaseState.SCREENING], submitted_at__lt=submitted_before
    )
    return list(stuck.order_by("submitted_at", "pk").values_list("pk", flat=True))
