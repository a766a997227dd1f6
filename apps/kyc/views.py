"""The customer's verification in the portal: the wizard's steps, the case's status, their documents.

Thin: each page reads one progress (``wizard.progress``) and a POST makes one service call. A
refusal becomes a form error on the page; another customer's document is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.kyc import documents, forms, wizard
from apps.kyc.models import Document, DocumentKind
from apps.kyc.serving import document_response
from bankcore.errors import DomainError


def _bound(request: HttpRequest) -> tuple[Any, Any]:
    # A POST with nothing in it is still a submission: its form must be bound to show "required".
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _customer(request: HttpRequest) -> int:
    return int(request.user.pk)  # type: ignore[arg-type]


# The service's field names where the form's differ.
_FORM_FIELD = {"expected_monthly_volume_minor": "expected_monthly_volume"}


def _refused_to_form(form: Any, refused: DomainError) -> None:
    """Each problem the service names goes to its field on the page (or above the form)."""
    errors: dict[str, str] = getattr(refused, "errors", None) or {}
    if not errors:
        form.add_error(None, str(refused))
        return
    for name, problem in errors.items():
        field = _FORM_FIELD.get(name, name)
        if field in form.fields:
            form.add_error(field, _sentence(form.fields[field].label, problem))
        else:
            form.add_error(None, _sentence(wizard.missing_label(name), problem))


def _sentence(label: object, problem: str) -> str:
    text = f"{label}: {problem}" if label else problem
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


@login_required
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    progress = wizard.progress(customer_id=_customer(request))
    return render(request, "kyc/status.html", {"progress": progress, "extra_form": forms.ExtraDocumentForm()})


def _step(request: HttpRequest, *, key: str, form: Any, progress: wizard.Progress, **context: Any) -> HttpResponse:
    step = progress.step(key)
    return render(
        request,
        "kyc/step_form.html",
        {"progress": progress, "form": form, "current": key, "title": step.label, "back_url": progress.back_url(key)}
        | context,
    )


def _not_editable(request: HttpRequest, progress: wizard.Progress) -> HttpResponse | None:
    if progress.editable:
        return None
    messages.info(request, f"Your verification is {progress.state_label.lower()}: it cannot be changed now.")
    return HttpResponseRedirect(reverse("kyc:status"))


@login_required
@require_http_methods(["GET", "POST"])
def personal(request: HttpRequest) -> HttpResponse:
    customer_id = _customer(request)
    progress = wizard.progress(customer_id=customer_id)
    if (stop := _not_editable(request, progress)) is not None:
        return stop
    form = forms.PersonalForm(
        request.POST if request.method == "POST" else None,
        initial=wizard.personal_initial(progress),
        tax_id_known=progress.tax_id_known,
    )
    if request.method == "POST" and form.is_valid():
        try:
            wizard.personal_save(customer_id=customer_id, data=form.cleaned_data, now=timezone.now())
        except DomainError as refused:
            _refused_to_form(form, refused)
        else:
            return HttpResponseRedirect(reverse("kyc:address"))
    return _step(request, key="personal", form=form, progress=progress)


def _party_step(request: HttpRequest, *, key: str, form_class: type[Form], **form_kwargs: Any) -> HttpResponse:
    customer_id = _customer(request)
    progress = wizard.progress(customer_id=customer_id)
    if (stop := _not_editable(request, progress)) is not None:
        return stop
    if progress.party is None:
        return HttpResponseRedirect(reverse("kyc:personal"))
    form = form_class(
        request.POST if request.method == "POST" else None,
        initial=wizard.party_initial(progress, fields=list(form_class.base_fields)),
        **form_kwargs,
    )
    if request.method == "POST" and form.is_valid():
        try:
            wizard.party_update(customer_id=customer_id, data=form.cleaned_data, now=timezone.now())
        except DomainError as refused:
            _refused_to_form(form, refused)
        else:
            return HttpResponseRedirect(wizard.progress(customer_id=customer_id).after(key))
    return _step(request, key=key, form=form, progress=progress)


@login_required
@require_http_methods(["GET", "POST"])
def address(request: HttpRequest) -> HttpResponse:
    return _party_step(request, key="address", form_class=forms.AddressForm)


@login_required
@require_http_methods(["GET", "POST"])
def company(request: HttpRequest) -> HttpResponse:
    progress = wizard.progress(customer_id=_customer(request))
    return _party_step(request, key="company", form_class=forms.CompanyForm, tax_id_known=progress.tax_id_known)


@login_required
@require_http_methods(["GET", "POST"])
def owners(request: HttpRequest) -> HttpResponse:
    customer_id = _customer(request)
    progress = wizard.progress(customer_id=customer_id)
    if (stop := _not_editable(request, progress)) is not None:
        return stop
    if progress.party is None:
        return HttpResponseRedirect(reverse("kyc:personal"))
    form = forms.OwnerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            wizard.owner_add(customer_id=customer_id, data=form.cleaned_data, now=timezone.now())
        except DomainError as refused:
            _refused_to_form(form, refused)
        else:
            messages.success(request, f"{form.cleaned_data['name']} added.")
            return HttpResponseRedirect(reverse("kyc:owners"))
    return _step(
        request, key="owners", form=form, progress=progress, owners=progress.owners,
        next_url=progress.after("owners"), submit_label="Add owner",
    )  # fmt: skip


def _upload_step(request: HttpRequest, *, key: str, form_class: type[Form]) -> HttpResponse:
    customer_id = _customer(request)
    progress = wizard.progress(customer_id=customer_id)
    if (stop := _not_editable(request, progress)) is not None:
        return stop
    if progress.case_id is None:
        return HttpResponseRedirect(reverse("kyc:personal"))
    kinds = list(form_class.base_fields)
    current = [d for d in progress.documents if d.kind in kinds]
    form = form_class(*_bound(request))
    if current:  # a file sent before may stay: choosing one is then a replacement
        for name in kinds:
            if any(d.kind == name for d in current):
                form.fields[name].required = False
    if request.method == "POST" and form.is_valid():
        batch, too_big = wizard.uploads_from(form.cleaned_data, kinds=kinds)
        for name in too_big:
            form.add_error(name, documents.too_large_message())
        if not too_big:
            try:
                documents.documents_upload(
                    customer_id=customer_id, case_id=progress.case_id, uploads_=batch, now=timezone.now()
                )
            except documents.UploadsRefused as refused:
                for kind, error in refused.errors.items():
                    form.add_error(kind, str(error))
            except DomainError as refused:
                form.add_error(None, str(refused))
            else:
                return HttpResponseRedirect(wizard.progress(customer_id=customer_id).after(key))
    return _step(request, key=key, form=form, progress=progress, current_files=current)


@login_required
@require_http_methods(["GET", "POST"])
def id_document(request: HttpRequest) -> HttpResponse:
    return _upload_step(request, key="id_document", form_class=forms.IdDocumentForm)


@login_required
@require_http_methods(["GET", "POST"])
def selfie(request: HttpRequest) -> HttpResponse:
    return _upload_step(request, key="selfie", form_class=forms.SelfieForm)


@login_required
@require_http_methods(["GET", "POST"])
def company_document(request: HttpRequest) -> HttpResponse:
    return _upload_step(request, key="company_document", form_class=forms.CompanyDocumentForm)


@login_required
@require_POST
def extra(request: HttpRequest) -> HttpResponse:
    customer_id = _customer(request)
    progress = wizard.progress(customer_id=customer_id)
    if (stop := _not_editable(request, progress)) is not None:
        return stop
    form = forms.ExtraDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        batch, too_big = wizard.uploads_from({kind: form.cleaned_data["file"]}, kinds=[kind])
        if too_big:
            form.add_error("file", documents.too_large_message())
        else:
            try:
                documents.documents_upload(
                    customer_id=customer_id, case_id=progress.case_id or 0, uploads_=batch, now=timezone.now()
                )
            except documents.UploadsRefused as refused:
                for error in refused.errors.values():
                    form.add_error("file", str(error))
            except DomainError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, f"{DocumentKind(kind).label} received.")
                return HttpResponseRedirect(reverse("kyc:status"))
    return render(request, "kyc/status.html", {"progress": progress, "extra_form": form}, status=200)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    customer_id = _customer(request)
    refusals: list[str] = []
    if request.method == "POST":
        try:
            wizard.submit(customer_id=customer_id, now=timezone.now())
        except DomainError as refused:
            errors: dict[str, str] = getattr(refused, "errors", None) or {}
            refusals = [_sentence(wizard.missing_label(name), problem) for name, problem in errors.items()]
            refusals = refusals or [_sentence("", str(refused))]
        else:
            messages.success(request, "Thank you: your verification has been submitted.")
            return HttpResponseRedirect(reverse("kyc:status"))
    progress = wizard.progress(customer_id=customer_id)
    return render(request, "kyc/review.html", {"progress": progress, "current": "review", "refusals": refusals})


@login_required
@require_GET
def document(request: HttpRequest, document_id: int) -> HttpResponse:
    try:
        file = documents.document_copy_for_owner(customer_id=_customer(request), document_id=document_id)
    except Document.DoesNotExist:
        raise Http404("no such document") from None
    return document_response(file)
