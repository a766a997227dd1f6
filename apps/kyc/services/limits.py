"""KYC writes: a customer's tier and restriction, and the limit usage every money movement counts.

Limits protocol (DESIGN.md §7). ``limits_check`` is the early, lock-free answer a door gives
before it starts work. ``limits_record`` is the authoritative one: inside the caller's
transaction, once money has moved, it locks the customer's KYC row (SELECT … FOR UPDATE),
checks again against the usage as it stands under that lock, and counts the movement; a
refusal raises and so rolls back the caller's movement with it. Two racing payments therefore
queue on the lock and the second sees the first's usage: they cannot both slip under a limit.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection, transaction

from apps.kyc import events, selectors
from apps.kyc.errors import LimitExceeded, UsageRefReused
from apps.kyc.models.limits import (
    OUTFLOW_KINDS,
    STOCK_KINDS,
    CustomerKyc,
    Limit,
    LimitKind,
    RiskRating,
    Tier,
    UsageBucket,
    UsageRecord,
)
from bankcore import events as domain_events
from bankcore import notifications
from bankcore.fx import errors as fx_errors
from bankcore.fx import selectors as fx
from bankcore.money import Money

EUR = "EUR"
NOTIFY_KIND = "kyc.status"


def _eur(minor: int) -> Money:
    return Money(minor, EUR)


def _counted_kinds(kind: str) -> list[str]:
    return [kind, LimitKind.ANY_OUT] if kind in OUTFLOW_KINDS else [kind]


def _refuse(
    code: str, message: str, *, kind: str, window: str, limit: int | None, used: int, eur: Money
) -> LimitExceeded:
    remaining = max((limit or 0) - used, 0)
    return LimitExceeded(
        message, code=code, kind=kind, window=window, limit=None if limit is None else _eur(limit),
        remaining=_eur(remaining), attempted=eur,
    )  # fmt: skip


def _evaluate(*, customer_id: int, kind: str, amount: Money, now: datetime) -> tuple[Money, int | None]:
    """Raise ``LimitExceeded`` if ``amount`` of ``kind`` is not allowed now; else its EUR value and rate."""
    kind = LimitKind(kind)
    if amount.minor <= 0:
        raise ValueError("a limit counts a positive amount")
    standing, limits, usage, rate = selectors.limits_inputs(
        customer_id=customer_id, kinds=_counted_kinds(kind), day=selectors.bank_day(now=now),
        priced_in=amount.currency, now=now,
    )  # fmt: skip
    return _evaluate_against(
        standing=standing, limits=limits, usage=usage, kind=kind, amount=amount, now=now, rate=rate
    )


def _evaluate_against(
    *,
    standing: selectors.Standing,
    limits: dict[str, selectors.LimitRow],
    usage: dict[tuple[str, str], int],
    kind: LimitKind,
    amount: Money,
    now: datetime,
    rate: fx.RateView | None,
) -> tuple[Money, int | None]:
    """``_evaluate`` on what ``limits_inputs`` read; ``rate``: the latest of ``amount``'s currency to EUR."""
    zero = _eur(0)
    kinds = _counted_kinds(kind)
    if standing.restricted:
        raise LimitExceeded(
            "this customer is restricted: no money may move until KYC has reviewed them",
            code="customer_restricted", kind=kind, window="any", limit=None, remaining=zero, attempted=zero,
        )  # fmt: skip
    if not standing.moves_money:
        raise LimitExceeded(
            f"tier {standing.tier} ({standing.tier_name}) moves no money: verify your identity first",
            code="tier_moves_no_money", kind=kind, window="any", limit=None, remaining=zero, attempted=zero,
        )  # fmt: skip
    if kind not in limits:
        raise LimitExceeded(
            f"tier {standing.tier} does not allow {kind.label.lower()}",
            code="kind_not_allowed", kind=kind, window="any", limit=None, remaining=zero, attempted=zero,
        )  # fmt: skip
    conversion = fx.money_convert_at(amount=amount, to=EUR, rate=rate, now=now)
    eur = conversion.converted
    if kind in STOCK_KINDS:
        held = limits[kind].held_minor
        if held is not None and eur.minor > held:
            raise _refuse(
                "limit_held", f"at most {_eur(held)} may be held at tier {standing.tier}; this would be {eur}",
                kind=kind, window="held", limit=held, used=0, eur=eur,
            )  # fmt: skip
        return eur, conversion.rate_id
    for counted in kinds:
        limit = limits.get(counted)
        if limit is None:
            continue  # no aggregate ceiling for this tier
        _check_windows(limit=limit, counted=counted, usage=usage, eur=eur, tier=standing.tier)
    return eur, conversion.rate_id


def _check_windows(
    *, limit: selectors.LimitRow, counted: str, usage: dict[tuple[str, str], int], eur: Money, tier: int
) -> None:
    label = LimitKind(counted).label.lower()
    each = limit.per_transaction_minor
    if each is not None and eur.minor > each:
        raise _refuse(
            "limit_per_transaction",
            f"tier {tier} allows at most {_eur(each)} per transaction of {label}; this is {eur}",
            kind=counted, window="transaction", limit=each, used=0, eur=eur,
        )  # fmt: skip
    for window, ceiling, period in (
        ("day", limit.per_day_minor, UsageBucket.Period.DAY),
        ("month", limit.per_month_minor, UsageBucket.Period.MONTH),
    ):
        if ceiling is None:
            continue
        used = usage.get((counted, period), 0)
        if used + eur.minor > ceiling:
            raise _refuse(
                f"limit_per_{window}",
                f"tier {tier} allows {_eur(ceiling)} of {label} per {window}; {_eur(max(ceiling - used, 0))} remains,"
                f" this is {eur}",
                kind=counted, window=window, limit=ceiling, used=used, eur=eur,
            )  # fmt: skip


def limits_check(*, customer_id: int, kind: str, amount: Money, now: datetime) -> None:
    """Raise ``LimitExceeded`` if ``amount`` of ``kind`` would break a limit now (no lock, no write).

    For a stock kind (``wallet_balance``) ``amount`` is what the customer would hold after the
    movement. Stale or missing reference rates raise ``bankcore.fx`` errors: the movement is refused.
    """
    _evaluate(customer_id=customer_id, kind=kind, amount=amount, now=now)


def _lock_status(customer_id: int) -> None:
    # A customer without a row is tier 0 and records nothing, so there is nothing to race on.
    CustomerKyc.objects.select_for_update().filter(customer_id=customer_id).values_list("pk").first()


def _bump(*, customer_id: int, kinds: list[str], day: date, delta: int) -> None:
    """Add ``delta`` to the day's and the month's bucket of each kind: one upsert for all of them.

    A bucket first written by a release (a negative delta) starts at zero, never below.
    """
    buckets = [
        (customer_id, kind, period, connection.ops.adapt_datefield_value(starts_on), max(delta, 0))
        for kind in kinds
        for period, starts_on in ((UsageBucket.Period.DAY, day), (UsageBucket.Period.MONTH, day.replace(day=1)))
    ]
    table = UsageBucket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (customer_id, kind, period, starts_on, used_minor) "  # noqa: S608 - our table
            f"VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(buckets))} "
            f"ON CONFLICT (customer_id, kind, period, starts_on) DO UPDATE SET used_minor = {table}.used_minor + %s",
            [value for bucket in buckets for value in bucket] + [delta],
        )


def limits_record(*, customer_id: int, kind: str, amount: Money, ref: str, now: datetime) -> None:
    """Count a movement against the limits, in the caller's transaction, under the customer's lock.

    Checks again under the lock and raises ``LimitExceeded`` (rolling back the caller's
    movement) if it no longer fits. Recording the same ``ref`` again changes nothing; the same
    ``ref`` for another amount raises ``UsageRefReused``.
    """
    if LimitKind(kind) in STOCK_KINDS:
        raise ValueError(f"{kind} is checked against the balance, never recorded")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("limits_record runs inside the transaction that moves the money")
    # No savepoint of its own: a refusal here is meant to undo the caller's movement with it.
    with transaction.atomic(savepoint=False):
        _lock_status(customer_id)  # from here to the caller's commit, this customer's usage is ours
        existing = UsageRecord.objects.filter(customer_id=customer_id, kind=kind, ref=ref).first()
        if existing is not None:
            if (existing.amount_minor, existing.currency) != (amount.minor, amount.currency):
                raise UsageRefReused(
                    f"{ref} was counted as {Money(existing.amount_minor, existing.currency)}, not {amount}"
                )
            return
        eur, rate_id = _evaluate(customer_id=customer_id, kind=kind, amount=amount, now=now)
        day = selectors.bank_day(now=now)
        UsageRecord.objects.create(
            customer_id=customer_id, kind=kind, ref=ref, amount_minor=amount.minor, currency=amount.currency,
            eur_minor=eur.minor, rate_id=rate_id, day=day, recorded_at=now,
        )  # fmt: skip
        _bump(customer_id=customer_id, kinds=_counted_kinds(kind), day=day, delta=eur.minor)


def _evaluate_many(
    *, customer_id: int, kind: str, items: list[tuple[str, Money]], now: datetime
) -> tuple[dict[str, tuple[Money, int | None] | Exception], dict[tuple[str, str], int]]:
    """Each movement against the usage as it stands plus the movements before it that fit."""
    kind = LimitKind(kind)
    kinds = _counted_kinds(kind)
    # A file pays in one currency; any other among its items is priced with a read of its own.
    priced_in = items[0][1].currency if items else EUR
    standing, limits, usage, rate = selectors.limits_inputs(
        customer_id=customer_id, kinds=kinds, day=selectors.bank_day(now=now), priced_in=priced_in, now=now
    )
    answers: dict[str, tuple[Money, int | None] | Exception] = {}
    added: dict[tuple[str, str], int] = {}
    for ref, amount in items:
        if amount.minor <= 0:
            raise ValueError("a limit counts a positive amount")
        try:
            if amount.currency not in (EUR, priced_in):
                rate = fx.rate_latest(base=amount.currency, quote=EUR, now=now)
                priced_in = amount.currency
            answer = _evaluate_against(
                standing=standing, limits=limits, usage=usage, kind=kind, amount=amount, now=now, rate=rate
            )
        except (LimitExceeded, fx_errors.RateUnavailable) as refused:
            answers[ref] = refused
            continue
        answers[ref] = answer
        eur = answer[0]
        for counted in kinds:
            for period in (UsageBucket.Period.DAY, UsageBucket.Period.MONTH):
                usage[(counted, period)] = usage.get((counted, period), 0) + eur.minor
                added[(counted, period)] = added.get((counted, period), 0) + eur.minor
    return answers, added


def limits_check_many(
    *, customer_id: int, kind: str, items: list[tuple[str, Money]], now: datetime
) -> dict[str, Exception | None]:
    """``limits_check`` for many movements of one customer in order, each after those before it that fit.

    One read, no lock, no write; per ``ref`` None (allowed) or the ``LimitExceeded`` /
    ``RateUnavailable`` a single check would raise.
    """
    answers, _added = _evaluate_many(customer_id=customer_id, kind=kind, items=items, now=now)
    return {ref: (answer if isinstance(answer, Exception) else None) for ref, answer in answers.items()}


def limits_record_many(
    *, customer_id: int, kind: str, items: list[tuple[str, Money]], now: datetime
) -> dict[str, Exception | None]:
    """``limits_record`` for many movements of one customer under one lock; per ``ref`` None or the refusal.

    A movement that would break a limit is not counted and the others go on (the caller undoes
    that one's money); a ``ref`` counted already is taken as it is. The usage records are
    written together and each bucket is moved once by the total counted.
    """
    if LimitKind(kind) in STOCK_KINDS:
        raise ValueError(f"{kind} is checked against the balance, never recorded")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("limits_record_many runs inside the transaction that moves the money")
    result: dict[str, Exception | None] = {}
    with transaction.atomic():
        _lock_status(customer_id)
        refs = [ref for ref, _ in items]
        for ref, minor, currency in UsageRecord.objects.filter(
            customer_id=customer_id, kind=kind, ref__in=refs
        ).values_list("ref", "amount_minor", "currency"):
            wanted = next(amount for r, amount in items if r == ref)
            result[ref] = (
                None
                if (minor, currency) == (wanted.minor, wanted.currency)
                else UsageRefReused(f"{ref} was counted as {Money(minor, currency)}, not {wanted}")
            )
        todo = [(ref, amount) for ref, amount in items if ref not in result]
        if not todo:
            return result
        answers, _added = _evaluate_many(customer_id=customer_id, kind=kind, items=todo, now=now)
        day = selectors.bank_day(now=now)
        records = []
        for ref, amount in todo:
            answer = answers[ref]
            if isinstance(answer, Exception):
                result[ref] = answer
                continue
            eur, rate_id = answer
            records.append(
                UsageRecord(
                    customer_id=customer_id,
                    kind=kind,
                    ref=ref,
                    amount_minor=amount.minor,
                    currency=amount.currency,
                    eur_minor=eur.minor,
                    rate_id=rate_id,
                    day=day,
                    recorded_at=now,
                )
            )
            result[ref] = None
        UsageRecord.objects.bulk_create(records, batch_size=1000)
        total = sum(record.eur_minor for record in records)
        if total:
            _bump(customer_id=customer_id, kinds=_counted_kinds(kind), day=day, delta=total)
    return result


def limits_release(*, customer_id: int, kind: str, ref: str, now: datetime) -> bool:
    """Give back what ``ref`` used (a payment rejected, returned or cancelled); True if it did.

    The very EUR amount recorded is given back to the day and month it was counted in, whatever
    the rate is now. Releasing twice, or a reference never recorded, changes nothing.
    """
    with transaction.atomic():
        _lock_status(customer_id)
        record = (
            UsageRecord.objects.select_for_update()
            .filter(customer_id=customer_id, kind=kind, ref=ref, released_at__isnull=True)
            .first()
        )
        if record is None:
            return False
        _bump(customer_id=customer_id, kinds=_counted_kinds(kind), day=record.day, delta=-record.eur_minor)
        record.released_at = now
        record.save(update_fields=["released_at"])
        return True


def _status_for_update(customer_id: int) -> CustomerKyc:
    # A first row is written once, by its caller's save, so its history starts with the reason.
    found = CustomerKyc.objects.select_for_update().filter(customer_id=customer_id).first()
    return found or CustomerKyc(customer_id=customer_id, tier_id=0)


@transaction.atomic
def customer_tier_set(*, customer_id: int, tier: int, risk_rating: str, now: datetime, reason: str) -> bool:
    """Put the customer at ``tier`` with ``risk_rating``; True if the tier changed.

    A change publishes ``kyc.tier.changed`` and tells the customer. Tier 2 needs a rating
    (its limits are set per rating); reaching tier 2 stamps ``approved_at``.
    """
    target = Tier.objects.get(level=tier)
    if risk_rating:
        RiskRating(risk_rating)
    if target.level == 2 and not risk_rating:
        raise ValueError("tier 2 needs a risk rating: its limits are set per rating")
    status = _status_for_update(customer_id)
    previous = status.tier_id
    status.tier = target
    status.risk_rating = risk_rating
    if target.level == 2 and status.approved_at is None:
        status.approved_at = now
    status.updated_at = now
    status._change_reason = reason  # type: ignore[attr-defined]  # kept in the history row
    status.save()
    if previous == target.level:
        return False
    domain_events.publish(
        events.TIER_CHANGED,
        {"customer_id": customer_id, "from_tier": previous, "to_tier": target.level, "risk_rating": risk_rating},
    )
    notifications.notify(
        customer_id=customer_id,
        kind=NOTIFY_KIND,
        title=f"Your account is now at tier {target.level}: {target.name}",
        body=target.description or f"Your limits are those of tier {target.level}.",
        link="",
        now=now,
    )
    return True


@transaction.atomic
def customer_restrict(*, customer_id: int, restricted: bool, reason: str, now: datetime) -> None:
    """Stop (or allow again) every money movement of the customer, whatever their tier."""
    status = _status_for_update(customer_id)
    status.restricted = restricted
    status.restricted_reason = reason if restricted else ""
    status.updated_at = now
    status._change_reason = reason  # type: ignore[attr-defined]
    status.save()


@transaction.atomic
def tiers_defaults_ensure() -> int:
    """Create the tiers and starting limits that are missing (an edited limit is left as it is)."""
    from apps.kyc import defaults

    return defaults.ensure(Tier, Limit)


@transaction.atomic
def customer_approval_record(
    *, customer_id: int, risk_rating: str, next_review_date: date, reason: str, now: datetime
) -> None:
    """A case was approved: tier 2 at ``risk_rating``, the next review date, any KYC restriction lifted."""
    customer_tier_set(customer_id=customer_id, tier=2, risk_rating=risk_rating, now=now, reason=reason)
    status = _status_for_update(customer_id)
    status.approved_at = now
    status.next_review_date = next_review_date
    status.restricted = False
    status.restricted_reason = ""
    status.updated_at = now
    status._change_reason = reason  # type: ignore[attr-defined]
    status.save()
