"""Screening: the parties the bank keeps screened, screening one of them, re-screening all of them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from django.db import transaction

from apps.fraud import conf
from apps.fraud.errors import FraudRefused
from apps.fraud.models import Alert, RescreenRun, ScreenedSubject
from apps.fraud.selectors.sanctions import sanctions_index, sanctions_screen
from apps.fraud.services.alerts import alert_open
from apps.fraud.types import SanctionsMatch, ScreeningOutcome


def subject_register(
    *,
    kind: str,
    ref: str,
    name: str,
    now: datetime,
    customer_id: int | None = None,
    party_kind: str = "",
    birth_year: int | None = None,
    country: str = "",
) -> int:
    """Record (or update) a party to keep screened; returns the subject id."""
    if kind not in ScreenedSubject.Kind.values:
        raise FraudRefused(f"unknown subject kind {kind!r}", code="unknown_subject_kind")
    if not name.strip():
        raise FraudRefused("a name is required to screen a party", code="name_required")
    # What the columns can hold: PostgreSQL refuses NUL in text and values beyond a column's size.
    if "\x00" in name or "\x00" in country:
        raise FraudRefused("the name or country contains a NUL character", code="invalid_name")
    if not ref.strip() or len(ref) > 100 or "\x00" in ref:
        raise FraudRefused("the reference is 1 to 100 characters", code="invalid_ref")
    if len(party_kind) > 20 or "\x00" in party_kind:
        raise FraudRefused(f"unknown party kind {party_kind[:20]!r}", code="invalid_party_kind")
    if birth_year is not None and not 1000 <= birth_year <= 9999:
        raise FraudRefused(f"{birth_year} is not a birth year", code="invalid_birth_year")
    party = {
        "name": name.strip()[:500],
        "customer_id": customer_id,
        "party_kind": party_kind,
        "birth_year": birth_year,
        "country": country.upper()[:2],
    }
    subject, _ = ScreenedSubject.objects.update_or_create(
        kind=kind, ref=ref, defaults=party, create_defaults={**party, "created_at": now}
    )
    return subject.pk


@transaction.atomic
def subject_screen(*, subject_id: int, now: datetime, payment_ref: str = "") -> ScreeningOutcome:
    """Screen one registered party; a hit opens an alert (and holds ``payment_ref`` if given).

    Safe to run twice: an open alert for the same subject and entries is reused, not duplicated.
    """
    subject = ScreenedSubject.objects.select_for_update().get(pk=subject_id)
    outcome = _screen(subject, now=now, version=sanctions_index().version, payment_ref=payment_ref)
    subject.save(update_fields=["screened_at", "screened_version", "best_score"])
    return outcome


def _screen(subject: ScreenedSubject, *, now: datetime, version: str, payment_ref: str = "") -> ScreeningOutcome:
    """Screen ``subject`` (fields updated in memory, the caller saves) and open an alert on a hit."""
    matches = sanctions_screen(
        name=subject.name,
        kind=subject.party_kind or None,
        birth_year=subject.birth_year,
        country=subject.country or None,
    )
    subject.screened_at = now
    subject.screened_version = version
    subject.best_score = matches[0].score if matches else None
    alert_id = None
    if matches:
        ids = ",".join(str(m.source_id) for m in sorted(matches, key=lambda m: m.source_id))
        alert_id = alert_open(
            kind=Alert.Kind.SANCTIONS,
            summary=f"{subject.get_kind_display()} {subject.name!r} resembles {matches[0].listed_name!r}",
            score=matches[0].score,
            details={"matches": [asdict(m) for m in matches]},
            dedupe_key=f"sanctions:{subject.kind}:{subject.ref}:{ids}",
            now=now,
            customer_id=subject.customer_id,
            subject_id=subject.pk,
            payment_ref=payment_ref,
        )
    return ScreeningOutcome(subject_id=subject.pk, matches=tuple(matches), alert_id=alert_id)


def counterparties_screen(
    *, customer_id: int, parties: list[tuple[str, str, str]], now: datetime
) -> dict[str, ScreeningOutcome]:
    """Register and screen many payments' counterparties ``(payment_ref, name, country)`` at once.

    What ``subject_register`` and ``subject_screen`` do per payment, with one insert for the
    subjects and one screening per distinct name and country (a payroll file pays the same
    people many times); a hit opens its alert per payment, holding that payment.
    """
    version = sanctions_index().version
    found: dict[tuple[str, str], list[SanctionsMatch]] = {}
    subjects = []
    for ref, name, country in parties:
        if not name.strip() or "\x00" in name or "\x00" in country:
            raise FraudRefused("a name is required to screen a party", code="name_required")
        if not ref.strip() or len(ref) > 100 or "\x00" in ref:
            raise FraudRefused("the reference is 1 to 100 characters", code="invalid_ref")
        party = (name.strip()[:500], country.upper()[:2])
        if party not in found:
            found[party] = sanctions_screen(name=party[0], kind=None, birth_year=None, country=party[1] or None)
        matches = found[party]
        subjects.append(
            ScreenedSubject(
                kind=ScreenedSubject.Kind.COUNTERPARTY, ref=ref, customer_id=customer_id, name=party[0],
                country=party[1], created_at=now, screened_at=now, screened_version=version,
                best_score=matches[0].score if matches else None,
            )
        )  # fmt: skip
    ScreenedSubject.objects.bulk_create(
        subjects,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["kind", "ref"],
        update_fields=["name", "customer_id", "country", "screened_at", "screened_version", "best_score"],
    )
    if any(subject.pk is None for subject in subjects):  # a backend that does not return ids
        ids = dict(
            ScreenedSubject.objects.filter(
                kind=ScreenedSubject.Kind.COUNTERPARTY, ref__in=[subject.ref for subject in subjects]
            ).values_list("ref", "pk")
        )
        for subject in subjects:
            subject.pk = ids[subject.ref]
    outcomes: dict[str, ScreeningOutcome] = {}
    for subject in subjects:
        matches = found[(subject.name, subject.country)]
        if not matches:
            outcomes[subject.ref] = ScreeningOutcome(subject_id=subject.pk, matches=(), alert_id=None)
            continue
        outcomes[subject.ref] = _screen(subject, now=now, version=version, payment_ref=subject.ref)
    return outcomes


# Who the bank keeps screened as lists change; a payment's counterparty is screened once, with its payment.
_RESCREENED = (ScreenedSubject.Kind.CUSTOMER, ScreenedSubject.Kind.BENEFICIARY, ScreenedSubject.Kind.PARTY)


def rescreen_start(*, list_version: str, now: datetime) -> int:
    """Start (or return the running) re-screen of every customer, beneficiary and other party."""
    with transaction.atomic():
        running = RescreenRun.objects.filter(list_version=list_version, status=RescreenRun.Status.RUNNING).first()
        if running is not None:
            return running.pk
        total = ScreenedSubject.objects.filter(kind__in=_RESCREENED).count()
        run = RescreenRun.objects.create(list_version=list_version, total=total, started_at=now, updated_at=now)
        return run.pk


def rescreen_continue(*, run_id: int, now: datetime, chunk: int | None = None) -> bool:
    """Screen the next chunk of a re-screen; returns True when more remain.

    The cursor (last subject id) is saved with the chunk's results in one transaction, so a
    crash repeats at most one chunk and alerts are deduplicated anyway.
    """
    size = int(chunk or conf.get("FRAUD_RESCREEN_CHUNK"))
    with transaction.atomic():
        run = RescreenRun.objects.select_for_update().get(pk=run_id)
        if run.status == RescreenRun.Status.DONE:
            return False
        subjects = list(
            ScreenedSubject.objects.filter(kind__in=_RESCREENED, pk__gt=run.last_subject_id).order_by("pk")[:size]
        )
        version = sanctions_index().version
        hit_subjects = [subject for subject in subjects if _screen(subject, now=now, version=version).matches]
        hits = len(hit_subjects)
        # Nearly every subject is clean: one UPDATE for all of them, one per (rare) hit.
        clean = [subject.pk for subject in subjects if subject.best_score is None]
        ScreenedSubject.objects.filter(pk__in=clean).update(screened_at=now, screened_version=version, best_score=None)
        for subject in hit_subjects:
            subject.save(update_fields=["screened_at", "screened_version", "best_score"])
        run.processed += len(subjects)
        run.hits += hits
        run.updated_at = now
        if subjects:
            run.last_subject_id = subjects[-1].pk
        if len(subjects) < size:
            run.status = RescreenRun.Status.DONE
            run.finished_at = now
            run.total = max(run.total, run.processed)
        run.save()
        return run.status == RescreenRun.Status.RUNNING


def rescreen_stalled(*, now: datetime, after: timedelta = timedelta(minutes=10)) -> list[int]:
    """Running re-screens that made no progress for ``after`` (their task chain was lost)."""
    return list(
        RescreenRun.objects.filter(status=RescreenRun.Status.RUNNING, updated_at__lt=now - after).values_list(
            "pk", flat=True
        )
    )
