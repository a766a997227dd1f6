"""Statement pages of the portal (thin: one service or selector call each).

Every page resolves the account or job through the customer's own id: anyone else's is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts import selectors
from apps.accounts.errors import AccountNotFound
from apps.accounts.statements import jobs
from apps.accounts.statements.forms import StatementRequestForm


def _customer(request: HttpRequest) -> int:
    return int(request.user.pk)  # type: ignore[arg-type]


@login_required
@require_http_methods(["GET", "POST"])
def statements(request: HttpRequest, account_id: int) -> HttpResponse:
    customer_id = _customer(request)
    account = selectors.account_of_customer(customer_id=customer_id, account_id=account_id)
    if account is None:
        raise Http404("no such account")
    now = timezone.now()
    first, last = jobs.previous_month(now)
    form = StatementRequestForm(
        request.POST or None, now=now, initial={"from_date": first, "to_date": last, "fmt": "pdf"}
    )
    if request.method == "POST" and form.is_valid():
        jobs.statement_job_request(
            customer_id=customer_id,
            account_id=account.pk,
            from_date=form.cleaned_data["from_date"],
            to_date=form.cleaned_data["to_date"],
            fmt=form.cleaned_data["fmt"],
            now=now,
        )
        messages.success(request, "Statement requested. It appears below when it is ready.")
        return HttpResponseRedirect(reverse("statements:index", args=[account.pk]))
    return render(
        request,
        "accounts/statements/index.html",
        {
            "account": account,
            "form": form,
            "jobs": jobs.statement_jobs_of_account(customer_id=customer_id, account_id=account.pk),
            "bank_time_zone": settings.BANK_TIME_ZONE,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    """One job's row (htmx polls it while the job runs; it stops polling once it is done)."""
    found = jobs.statement_job_of_customer(customer_id=_customer(request), job_id=job_id)
    if found is None:
        raise Http404("no such statement")
    return render(request, "accounts/statements/_job.html", {"job": found})


@login_required
@require_GET
def download(request: HttpRequest, job_id: int) -> FileResponse:
    try:
        file = jobs.statement_file(customer_id=_customer(request), job_id=job_id)
    except AccountNotFound:
        raise Http404("no such statement") from None
    return FileResponse(
        file.path.open("rb"), as_attachment=True, filename=file.download_name, content_type=file.content_type
    )
