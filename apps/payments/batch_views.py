"""The customer's bulk payout pages under /app/payments/batches/ (thin: one service call each).

Every page that names a batch looks it up among the signed-in customer's own batches, so
another customer's is a 404, as if it did not exist.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.payments.batch_forms import BatchUploadForm
from apps.payments.batch_parsing import BatchFileRefused, parse_csv, parse_pain001
from apps.payments.forms import OtpForm
from apps.payments.models import BatchFormat, PaymentBatch
from apps.payments.services import batches
from apps.payments.views import _account_choices, _customer
from bankcore.money import Money
from bankcore.sca import services as sca

SHOWN_LINES = 1000


def _own(request: HttpRequest, batch_id: int) -> PaymentBatch:
    try:
        return batches.batch_of_customer(customer_id=_customer(request), batch_id=batch_id)
    except batches.BatchNotFound:
        raise Http404("no such batch") from None


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "payments/batches.html", {"batches": batches.batches_of_customer(customer_id=_customer(request))}
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_new(request: HttpRequest) -> HttpResponse:
    """Upload a file: it is read at once (a file that cannot be read is refused here), checked off the request."""
    customer_id = _customer(request)
    form = BatchUploadForm(request.POST or None, request.FILES or None, accounts=_account_choices(customer_id))
    if request.method == "GET" or not form.is_valid():
        return render(request, "payments/batch_new.html", _new_context(request, form))
    upload = form.cleaned_data["file"]
    data = upload.read()
    is_xml = upload.name.lower().endswith(".xml") or data.lstrip()[:1] == b"<"
    try:
        file = parse_pain001(data) if is_xml else parse_csv(data)
        batch = batches.batch_create(
            customer_id=customer_id,
            source_account_id=form.cleaned_data["source_account"],
            file=file,
            source_format=BatchFormat.PAIN001 if is_xml else BatchFormat.CSV,
            filename=upload.name,
            vop_opt_out=form.cleaned_data["skip_payee_check"],
            idempotency_key=f"portal:{request.POST.get('upload_token') or uuid.uuid4().hex}",
            now=timezone.now(),
        )
    except (BatchFileRefused, batches.BatchRefused) as refused:
        field = "source_account" if getattr(refused, "field", "") == "source_account" else "file"
        form.add_error(field, str(refused))
        return render(request, "payments/batch_new.html", _new_context(request, form))
    messages.success(request, "File received: its payments are being checked.")
    return HttpResponseRedirect(reverse("payments:batch", args=[batch.pk]))


def _new_context(request: HttpRequest, form: BatchUploadForm) -> dict[str, object]:
    # A fresh token for each page shown: a double-clicked submit of one page makes one batch.
    return {"form": form, "upload_token": uuid.uuid4().hex}


def _context(request: HttpRequest, batch: PaymentBatch, otp: OtpForm | None = None) -> dict[str, object]:
    problems_only = request.GET.get("show") == "problems"
    lines = batches.batch_lines(batch=batch, problems_only=problems_only)
    return {
        "batch": batch,
        "running": batches.batch_is_running(batch),
        "lines": lines[:SHOWN_LINES],
        "more_lines": max(0, len(lines) - SHOWN_LINES),
        "problems_only": problems_only,
        "valid_total": Money(batch.valid_total_minor, batch.currency),
        "paid_total": Money(batch.paid_total_minor, batch.currency),
        "held_total": Money(batch.held_total_minor, batch.currency),
        "otp": otp or OtpForm(),
    }


@login_required
@require_GET
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    return render(request, "payments/batch_detail.html", _context(request, _own(request, batch_id)))


@login_required
@require_GET
def batch_progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The batch's progress panel (htmx polls it while the batch is checked or paid)."""
    batch = _own(request, batch_id)
    return render(request, "payments/_batch_progress.html", _context(request, batch))


@login_required
@require_POST
def batch_authorise(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _own(request, batch_id)
    otp = OtpForm(request.POST)
    if otp.is_valid():
        try:
            batches.batch_authorise(
                customer_id=batch.customer_id, batch_id=batch.pk, otp_token=otp.cleaned_data["otp_token"],
                now=timezone.now(),
            )  # fmt: skip
        except sca.ChallengeRefused as refused:
            otp.add_error("otp_token", str(refused))
        else:
            messages.success(request, "Approved: the payments are being made.")
            return HttpResponseRedirect(reverse("payments:batch", args=[batch.pk]))
    batch.refresh_from_db()
    return render(request, "payments/batch_detail.html", _context(request, batch, otp))
