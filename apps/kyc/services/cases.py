"""The review case: draft → submitted → screening → in_review → approved | rejected | needs_more_info.

Every move goes through ``_move``: it checks the move is allowed from the current state, writes a
``CaseTransition`` (who, why, when), and tells the customer (``bankcore.notifications``).
Decisions need a reason and an officer who may decide: active staff with the KYC officer's
permission to change cases, who is not the case's customer. Approving a HIGH-risk case (a
possible sanctions match rates HIGH) needs a second officer: the first one's approval becomes a
maker-checker request (``bankcore.approvals``) that another officer approves.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from celery import current_app
from django.db import IntegrityError, transaction

from apps.fraud import interface as fraud
from apps.kyc import events, risk, selectors
from apps.kyc.errors import CaseRefused, PartyInvalid
from apps.kyc.models import CaseReason, CaseState, CaseTransition, KycCase, Party, PartyKind, ScreeningOutcome
from apps.kyc.services.limits import NOTIFY_KIND, customer_approval_record, customer_restrict
from apps.kyc.services.party import party_missing_fields
from bankcore import events as domain_events
from bankcore import notifications
from bankcore.approvals import services as approvals
from bankcore.approvals.models import ApprovalRequest
from bankcore.approvals.selectors import payload_hash
from bankcore.users.models import User

# The task that screens a submitted case (apps/kyc/tasks.py), looked up by name: services and
# tasks are sibling layers and do not import each other.
SCREEN_TASK = "apps.kyc.tasks.case_screen"
# The maker-checker action of a high-risk approval (registered in apps.py).
APPROVE_ACTION = "kyc.case.approve"
DECIDE_PERMISSION = "kyc.change_kyccase"

# Years until the next periodic review, by risk rating.
REVIEW_YEARS = {"high": 1, "medium": 2, "low": 5}

ALLOWED: dict[str, frozenset[str]] = {
    CaseState.DRAFT: frozenset({CaseState.SUBMITTED}),
    CaseState.SUBMITTED: frozenset({CaseState.SCREENING}),
    CaseState.SCREENING: frozenset({CaseState.IN_REVIEW}),
    CaseState.IN_REVIEW: frozenset({CaseState.APPROVED, CaseState.REJECTED, CaseState.NEEDS_MORE_INFO}),
    CaseState.NEEDS_MORE_INFO: frozenset({CaseState.SUBMITTED}),
    CaseState.APPROVED: frozenset(),
    CaseState.REJECTED: frozenset(),
}

# What the customer is told on each move (title, body); the info request adds the officer's message.
_TELL: dict[str, tuple[str, str]] = {
    CaseState.SUBMITTED: ("We received your verification", "We are checking your details; this usually takes a day."),
    CaseState.IN_REVIEW: ("Your verification is being reviewed", "A KYC officer is reviewing your details."),
    CaseState.APPROVED: ("Your identity is verified", "Your account is verified: full limits apply."),
    CaseState.REJECTED: ("We could not verify your identity", "We cannot offer you a verified account."),
    CaseState.NEEDS_MORE_INFO: ("We need more information", ""),
}
STATUS_LINK = "/app/kyc/"


class CaseDecision(StrEnum):
    APPROVED = "approved"
    AWAITING_SECOND_OFFICER = "awaiting_second_officer"


class SubmitCheck(Protocol):
    """Returns what is missing before a case may be submitted (field → problem); empty when nothing."""

    def __call__(self, *, customer_id: int, case_id: int) -> dict[str, str]: ...


_submit_checks: dict[str, SubmitCheck] = {}


def submit_check_register(name: str, check: SubmitCheck) -> None:
    """Add a condition of submission (e.g. the documents an ID check needs); registered in ready()."""
    _submit_checks[name] = check


def _today(now: datetime) -> date:
    return selectors.bank_day(now=now)


def _tell(case: KycCase, state: str, *, now: datetime, body: str = "") -> None:
    title, default = _TELL.get(state, (f"Your verification: {state}", ""))
    notifications.notify(
        customer_id=case.customer_id, kind=NOTIFY_KIND, title=title, body=body or default, link=STATUS_LINK, now=now
    )


def _move(case: KycCase, to: str, *, actor_id: int | None, reason: str, now: datetime, tell: bool = True) -> None:
    """Change the case's state (the caller holds its row lock), audit it, tell the customer."""
    if to not in ALLOWED[case.state]:
        raise CaseRefused(
            f"a case that is {CaseState(case.state).label.lower()} cannot become {CaseState(to).label.lower()}",
            code="transition_not_allowed",
        )
    CaseTransition.objects.create(
        case=case, from_state=case.state, to_state=to, actor_id=actor_id, reason=reason, at=now
    )
    case.state = to
    case.updated_at = now
    case._change_reason = f"{to}: {reason}"[:100]  # type: ignore[attr-defined]
    case.save()
    if tell:
        _tell(case, to, now=now, body=case.info_request if to == CaseState.NEEDS_MORE_INFO else "")


def _lock(case_id: int) -> KycCase:
    case = KycCase.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise CaseRefused("no such case", code="not_found")
    return case


def _case_create(*, customer_id: int, state: str, reason_opened: str, now: datetime, why: str) -> KycCase:
    case = KycCase(customer_id=customer_id, state=state, reason_opened=reason_opened, opened_at=now, updated_at=now)
    case._change_reason = why[:100]  # type: ignore[attr-defined]
    case.save()
    CaseTransition.objects.create(case=case, from_state="", to_state=state, actor_id=None, reason=why, at=now)
    return case


def case_open(*, customer_id: int, now: datetime) -> int:
    """The customer's active case, or a new draft; returns its id (one active case per customer)."""
    existing = selectors.case_active(customer_id=customer_id)
    if existing is not None:
        return existing.pk
    try:
        with transaction.atomic():
            case = _case_create(
                customer_id=customer_id,
                state=CaseState.DRAFT,
                reason_opened=CaseReason.ONBOARDING,
                now=now,
                why="opened by the customer",
            )
            return case.pk
    except IntegrityError:
        # A concurrent open won the race for the partial unique index: that case is the one.
        existing = selectors.case_active(customer_id=customer_id)
        if existing is None:
            raise
        return existing.pk


def _enqueue_screening(case_id: int) -> None:
    def send() -> None:
        current_app.tasks[SCREEN_TASK].apply_async(kwargs={"case_id": case_id}, queue="screening")

    transaction.on_commit(send)


@transaction.atomic
def case_submit(*, customer_id: int, now: datetime) -> int:
    """Submit the customer's case (a draft, or one that needed more information); returns its id.

    Refused with ``already_submitted`` while a case is submitted, screening or in review,
    ``already_verified`` when the customer is verified with no case open; ``PartyInvalid`` lists
    what the profile (or a registered submit check, such as documents) still lacks. Screening
    runs on the ``screening`` queue after commit.
    """
    case_id = case_open(customer_id=customer_id, now=now) if selectors.case_active(customer_id=customer_id) else None
    if case_id is None:
        status = selectors.status_get(customer_id=customer_id)
        if status is not None and status.tier_id == 2 and not status.restricted:
            raise CaseRefused("you are verified already", code="already_verified")
        case_id = case_open(customer_id=customer_id, now=now)
    case = _lock(case_id)
    if case.state in (CaseState.SUBMITTED, CaseState.SCREENING, CaseState.IN_REVIEW):
        raise CaseRefused("your case is already with us: wait for its outcome", code="already_submitted")
    missing = party_missing_fields(party=selectors.party_get(customer_id=customer_id))
    for check in _submit_checks.values():
        missing.update(check(customer_id=customer_id, case_id=case.pk))
    if missing:
        raise PartyInvalid(missing)
    resubmitted = case.state == CaseState.NEEDS_MORE_INFO
    case.submitted_at = now
    _move(
        case, CaseState.SUBMITTED, actor_id=customer_id, reason="resubmitted" if resubmitted else "submitted", now=now
    )
    _enqueue_screening(case.pk)
    return case.pk


def _screen_party(party: Party, *, now: datetime) -> list[dict[str, Any]]:
    """Screen the customer and each beneficial owner now; one entry per screened party."""
    business = party.kind == PartyKind.BUSINESS
    name = party.company_name if business else party.legal_name
    subject_id = fraud.customer_screen(
        customer_id=party.customer_id,
        name=name,
        now=now,
        kind="entity" if business else "individual",
        birth_year=None if business or party.birth_date is None else party.birth_date.year,
        country=party.company_country if business else party.nationality,
    )
    screened = [("customer", name, subject_id)]
    for owner in party.owners.all():
        owner.screening_subject_id = fraud.party_screen(
            ref=f"kyc-owner:{owner.pk}",
            name=owner.name,
            now=now,
            customer_id=party.customer_id,
            kind="individual",
            birth_year=owner.birth_date.year if owner.birth_date else None,
            country=owner.nationality,
        )
        owner.save(update_fields=["screening_subject_id"])
        screened.append((f"owner:{owner.pk}", owner.name, owner.screening_subject_id))
    results = []
    for who, screened_name, screened_id in screened:
        outcome = fraud.subject_screen_now(subject_id=screened_id, now=now)
        results.append(
            {
                "who": who,
                "name": screened_name,
                "subject_id": screened_id,
                "alert_id": outcome.alert_id,
                "matches": [asdict(m) for m in outcome.matches],
            }
        )
    return results


def _risk_factors(party: Party, *, hits: int) -> risk.RiskFactors:
    countries = [party.nationality, party.address_country, party.tax_residence, party.company_country]
    countries += [owner.nationality for owner in party.owners.all()]
    return risk.RiskFactors(
        is_business=party.kind == PartyKind.BUSINESS,
        countries=tuple(c for c in countries if c),
        pep=party.pep,
        screening_hits=hits,
        occupation=party.occupation,
        expected_monthly_volume_minor=party.expected_monthly_volume_minor,
    )


def _rate(case: KycCase, party: Party) -> None:
    hits = sum(len(entry["matches"]) for entry in case.screening_matches)
    result = risk.risk_rate(_risk_factors(party, hits=hits))
    case.risk_rating = result.rating
    case.risk_reasons = [reason.as_dict() for reason in result.reasons]


@transaction.atomic
def case_screen(*, case_id: int, now: datetime) -> None:
    """Screen a submitted case's customer and owners, rate its risk, and put it in review.

    The screening task's body; safe to run twice (a case past screening is left as it is).
    """
    case = _lock(case_id)
    if case.state not in (CaseState.SUBMITTED, CaseState.SCREENING):
        return
    if case.state == CaseState.SUBMITTED:
        _move(case, CaseState.SCREENING, actor_id=None, reason="screening started", now=now, tell=False)
    party = Party.objects.get(customer_id=case.customer_id)
    case.screening_matches = _screen_party(party, now=now)
    hit = any(entry["matches"] for entry in case.screening_matches)
    case.screening_outcome = ScreeningOutcome.HIT if hit else ScreeningOutcome.CLEAR
    case.screened_at = now
    _rate(case, party)
    reason = f"screened: {case.screening_outcome or 'clear'}; risk {case.risk_rating}"
    _move(case, CaseState.IN_REVIEW, actor_id=None, reason=reason, now=now)


def _officer_check(case: KycCase, officer_id: int) -> None:
    officer = User.objects.filter(pk=officer_id, is_active=True).first()
    if officer is None or not officer.is_staff or not officer.has_perm(DECIDE_PERMISSION):
        raise CaseRefused("you may not decide KYC cases", code="not_authorised")
    if officer_id == case.customer_id:
        raise CaseRefused("an officer cannot decide their own case", code="own_case")


def _decidable(case_id: int, officer_id: int, reason: str, *, what: str = "reason") -> KycCase:
    if not reason.strip():
        raise CaseRefused(f"a decision needs a {what}", code=f"{what}_required")
    case = _lock(case_id)
    _officer_check(case, officer_id)
    if case.state != CaseState.IN_REVIEW:
        raise CaseRefused(f"only a case in review can be decided; this one is {case.state}", code="not_in_review")
    return case


def _approve(case: KycCase, *, officer_id: int, reason: str, now: datetime) -> None:
    case.decision_reason = reason
    case.decided_by_id = officer_id
    case.decided_at = now
    case.approval_request_id = None
    rating = case.risk_rating or "high"
    _move(case, CaseState.APPROVED, actor_id=officer_id, reason=reason, now=now)
    today = _today(now)
    years = REVIEW_YEARS[rating]
    try:
        review = today.replace(year=today.year + years)
    except ValueError:  # 29 February
        review = today.replace(year=today.year + years, day=28)
    customer_approval_record(
        customer_id=case.customer_id,
        risk_rating=rating,
        next_review_date=review,
        reason=f"case {case.pk} approved",
        now=now,
    )
    domain_events.publish(events.CASE_APPROVED, {"customer_id": case.customer_id, "case_id": case.pk, "tier": 2})


@transaction.atomic
def case_approve(*, case_id: int, officer_id: int, reason: str, now: datetime) -> CaseDecision:
    """Approve a case in review with a reason: tier 2, next review by risk, ``kyc.case.approved``.

    A HIGH-risk case is not approved by one officer: this call records a maker-checker request
    and answers ``AWAITING_SECOND_OFFICER``; another officer's approval (Approvals) completes it.
    Refused: ``reason_required``, ``not_authorised``, ``own_case``, ``not_in_review``,
    ``awaiting_second_officer`` (a request is pending already).
    """
    case = _decidable(case_id, officer_id, reason)
    reason = reason.strip()
    if case.risk_rating in ("high", ""):
        if (
            case.approval_request_id is not None
            and ApprovalRequest.objects.filter(
                pk=case.approval_request_id, status=ApprovalRequest.Status.PENDING
            ).exists()
        ):
            raise CaseRefused("this approval waits for a second officer", code="awaiting_second_officer")
        case.approval_request_id = approvals.approval_request(
            action=APPROVE_ACTION,
            payload={"case_id": case.pk, "maker_id": officer_id, "reason": reason},
            maker_id=officer_id,
            reason=f"approve high-risk KYC case {case.pk}: {reason}",
            now=now,
        )
        case.updated_at = now
        case._change_reason = f"approval asked by officer {officer_id}"  # type: ignore[attr-defined]
        case.save()
        return CaseDecision.AWAITING_SECOND_OFFICER
    _approve(case, officer_id=officer_id, reason=reason, now=now)
    return CaseDecision.APPROVED


def case_approve_approved(payload: dict[str, Any], /, *, now: datetime) -> None:
    """Maker-checker handler: a second officer approved the high-risk approval in ``payload``.

    Runs inside the approval's transaction (bankcore.approvals), so a refusal here leaves the
    request pending and the case in review.
    """
    digest = payload_hash(payload=payload)
    request = (
        ApprovalRequest.objects.filter(
            action=APPROVE_ACTION, payload_hash=digest, status=ApprovalRequest.Status.APPROVED
        )
        .order_by("-decided_at", "-pk")
        .first()
    )
    if request is None or request.checker_id is None:
        raise CaseRefused("the approval request is not approved", code="not_approved")
    checker_id = request.checker_id
    case = _decidable(int(payload["case_id"]), checker_id, str(payload["reason"]))
    if case.approval_request_id != request.pk:
        raise CaseRefused("this approval request is not the case's current one", code="stale_request")
    _approve(
        case,
        officer_id=checker_id,
        reason=f"{payload['reason']} (asked by officer {payload['maker_id']}, approved by officer {checker_id})",
        now=now,
    )


@transaction.atomic
def case_reject(*, case_id: int, officer_id: int, reason: str, now: datetime) -> None:
    """Reject a case in review with a reason; publishes ``kyc.case.rejected``.

    Rejecting a review of a verified customer (periodic, or after a sanctions hit) also
    restricts them: the bank no longer accepts their money moving.
    """
    case = _decidable(case_id, officer_id, reason)
    case.decision_reason = reason.strip()
    case.decided_by_id = officer_id
    case.decided_at = now
    _move(case, CaseState.REJECTED, actor_id=officer_id, reason=reason.strip(), now=now)
    if case.reason_opened != CaseReason.ONBOARDING:
        customer_restrict(customer_id=case.customer_id, restricted=True, reason=f"KYC case {case.pk} rejected", now=now)
    domain_events.publish(events.CASE_REJECTED, {"customer_id": case.customer_id, "case_id": case.pk})


@transaction.atomic
def case_request_info(*, case_id: int, officer_id: int, message: str, now: datetime) -> None:
    """Ask the customer for more: the case waits for them (needs_more_info) and they see ``message``."""
    case = _decidable(case_id, officer_id, message, what="message")
    case.info_request = message.strip()
    _move(case, CaseState.NEEDS_MORE_INFO, actor_id=officer_id, reason=message.strip(), now=now)


@transaction.atomic
def case_assign(*, case_id: int, assignee_id: int | None, actor_id: int, now: datetime) -> None:
    """Give the case to an officer (``None`` puts it back in the pool); the assignee must be one."""
    case = _lock(case_id)
    _officer_check(case, actor_id)
    if assignee_id is not None:
        _officer_check(case, assignee_id)
    case.assignee_id = assignee_id
    case.updated_at = now
    case._change_reason = f"assigned to {assignee_id}" if assignee_id else "unassigned"  # type: ignore[attr-defined]
    case.save()


def case_reopen(
    *, customer_id: int, reason_opened: str, why: str, now: datetime, matches: list[dict[str, Any]] | None = None
) -> int:
    """Open a case straight in review for a verified customer (periodic review, later hit); returns its id.

    An active case already open is reused (the hit is added to it); the customer is told.
    """
    active = selectors.case_active(customer_id=customer_id)
    if active is not None:
        case = _lock(active.pk)
        if matches:
            known = {(m["who"], m.get("alert_id")) for m in case.screening_matches}
            case.screening_matches = case.screening_matches + [
                m for m in matches if (m["who"], m.get("alert_id")) not in known
            ]
            case.screening_outcome = ScreeningOutcome.HIT
            party = selectors.party_get(customer_id=customer_id)
            if party is not None:
                _rate(case, party)
            case.updated_at = now
            case._change_reason = why[:100]  # type: ignore[attr-defined]
            case.save()
        return case.pk
    case = _case_create(
        customer_id=customer_id, state=CaseState.IN_REVIEW, reason_opened=reason_opened, now=now, why=why
    )
    party = selectors.party_get(customer_id=customer_id)
    if matches:
        case.screening_matches = matches
        case.screening_outcome = ScreeningOutcome.HIT
        case.screened_at = now
    if party is not None:
        _rate(case, party)
    else:  # verified before profiles were kept: the rating they were approved with stands
        status = selectors.status_get(customer_id=customer_id)
        case.risk_rating = (status.risk_rating if status is not None else "") or "high"
    case.save()
    if reason_opened == CaseReason.PERIODIC_REVIEW:
        notifications.notify(
            customer_id=customer_id,
            kind=NOTIFY_KIND,
            title="Time to review your details",
            body="We review every customer's details regularly. Please check your profile is up to date.",
            link=STATUS_LINK,
            now=now,
        )
    else:
        _tell(case, CaseState.IN_REVIEW, now=now)
    return case.pk
