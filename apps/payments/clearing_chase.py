"""Chasing SEPA credit transfers the clearing house never answered.

A submitted SEPA payment should get its pacs.002 on its settlement day. One still ``submitted``
``PAYMENTS_SUBMITTED_CHASE_DAYS`` TARGET business days after the settlement day of its file goes
to the exceptions queue as ``no_status_report``, once (the exception's unique key: file, payment,
no reported status), so staff ask the clearing house. The payment itself is not touched: a late
report still settles or rejects it as usual; its money stays held meanwhile. Instant payments are
not chased here: the clearing house answers them within seconds or rejects them AB05.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from apps.payments.models import Payment, PaymentKind, PaymentStatus
from apps.payments.models.settlement import ClearingException
from apps.payments.settlement_calendar import add_business_days, local_date

DEFAULT_CHASE_DAYS = 2
NO_REPORT = ""  # the exception's reported status: nothing was reported


def chase_days() -> int:
    """The setting, refused when it is not a whole number of days of at least one."""
    days = getattr(settings, "PAYMENTS_SUBMITTED_CHASE_DAYS", DEFAULT_CHASE_DAYS)
    if not isinstance(days, int) or days < 1:
        raise ValueError(f"PAYMENTS_SUBMITTED_CHASE_DAYS is a number of business days from 1, not {days!r}")
    return days


def submitted_unanswered_chase(*, now: datetime) -> int:
    """Open a ``no_status_report`` exception for each SEPA payment left unanswered too long; how many new.

    Safe to run twice and at any time (a daily beat task): a payment already chased is skipped,
    and the unique key makes a concurrent second run create nothing either.
    """
    days = chase_days()
    today = local_date(now)
    # Business days are never fewer than calendar days: this bound only narrows the scan.
    waiting = (
        Payment.objects.filter(
            status=PaymentStatus.SUBMITTED,
            kind=PaymentKind.SEPA,
            submission__file__settlement_date__lte=today - timedelta(days=days),
        )
        .exclude(
            pk__in=ClearingException.objects.filter(kind=ClearingException.Kind.NO_STATUS_REPORT).values("payment_id")
        )
        .select_related("submission__file")
        .order_by("id")
    )
    opened = 0
    for payment in waiting.iterator(chunk_size=500):
        clearing_file = payment.submission.file
        assert clearing_file.settlement_date is not None
        due = add_business_days(clearing_file.settlement_date, days)
        if today < due:
            continue
        with transaction.atomic():
            _, created = ClearingException.objects.get_or_create(
                file=clearing_file,
                payment=payment,
                reported_status=NO_REPORT,
                defaults={
                    "kind": ClearingException.Kind.NO_STATUS_REPORT,
                    "detail": (
                        f"sent in {clearing_file.msg_id} for {clearing_file.settlement_date}; no status report "
                        f"after {days} business day(s): ask the clearing house"
                    )[:500],
                    "created_at": now,
                },
            )
        opened += created
    return opened
