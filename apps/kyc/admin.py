"""Back office for KYC: the review queue and case page, decisions, tiers and limits, access log.

Thin: a decision, an assignment and a reveal each call one service, which enforces who may do
it (the KYC officer's ``kyc.change_kyccase``; revealing needs ``kyc.view_party`` and a reason,
and is logged). Nothing KYC decides is edited as a row: a customer's tier changes through a
decision on their case, so every change has its reason, its event and its message.
The auditor (view permissions only) sees every page and no action or form that changes anything.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from apps.kyc import selectors, services
from apps.kyc.admin_documents import DocumentInline  # kycdocs: registers the documents' admin too
from apps.kyc.models import (
    BeneficialOwner,
    CaseState,
    CaseTransition,
    CustomerKyc,
    KycCase,
    Limit,
    Party,
    SensitiveAccess,
    Tier,
    UsageBucket,
)
from bankcore.admin_mixins import ReadOnlyAdmin, ReadOnlyMixin
from bankcore.errors import DomainError

DECIDE_PERMISSION = services.cases.DECIDE_PERMISSION


def _staff_id(request: HttpRequest) -> int:
    return int(request.user.pk or 0)  # admin views are behind login: never anonymous here


def _can_decide(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_staff and request.user.has_perm(DECIDE_PERMISSION))


# --- review cases -------------------------------------------------------------------------------


class AgeFilter(admin.SimpleListFilter):
    """How long the case has been open: the queue's service level is counted from opening."""

    title = "age"
    parameter_name = "age"
    DAYS = {"1": 1, "3": 3, "7": 7, "30": 30}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, f"Older than {days} day{'s' if days > 1 else ''}") for key, days in self.DAYS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        days = self.DAYS.get(self.value() or "")
        if days is None:
            return queryset
        return queryset.filter(opened_at__lt=timezone.now() - timedelta(days=days))


class DecisionForm(forms.Form):
    DECISIONS = [
        ("approve", "Approve"),
        ("reject", "Reject"),
        ("request_info", "Ask the customer for more information"),
    ]
    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        strip=True,
        help_text="Required. For a request for more information this is the message the customer sees.",
    )


class RevealForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        strip=True,
        help_text="Why you need to see it (logged).",
    )


@admin.register(KycCase)
class KycCaseAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    """The queue (oldest first) and the case page; decisions through the form on the page."""

    list_display = (
        "id",
        "customer",
        "state",
        "reason_opened",
        "risk_rating",
        "screening_outcome",
        "assignee",
        "opened_at",
    )
    list_filter = ("state", "risk_rating", "reason_opened", ("assignee", admin.RelatedOnlyFieldListFilter), AgeFilter)
    search_fields = ("customer__email", "=id")
    ordering = ("opened_at", "id")
    list_select_related = ("customer", "assignee")
    actions = ["assign_to_me"]
    change_form_template = "admin/kyc/kyccase/change_form.html"
    inlines = [DocumentInline]  # kycdocs: the documents, each opened with a reason
    fieldsets = (
        (
            "Case",
            {"fields": ("customer", "state", "reason_opened", "assignee", "opened_at", "submitted_at", "decided")},
        ),
        ("Party", {"fields": ("party_summary", "owners_summary", "same_identifier")}),
        ("Screening", {"fields": ("screening_outcome", "screened_at", "screening_summary")}),
        ("Risk", {"fields": ("risk_rating", "risk_factors")}),
        ("Decision", {"fields": ("decision_reason", "info_request", "pending_approval")}),
        ("History", {"fields": ("transitions_summary",)}),
    )
    readonly_fields = (
        "customer", "state", "reason_opened", "assignee", "opened_at", "submitted_at", "decided", "party_summary",
        "owners_summary", "same_identifier", "screening_outcome", "screened_at", "screening_summary", "risk_rating",
        "risk_factors", "decision_reason", "info_request", "pending_approval", "transitions_summary",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # cases are opened by customers, reviews and screening

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # no row edits: decisions go through the decision form (services)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def revert_disabled(self, request: HttpRequest, obj: KycCase | None = None) -> bool:
        return True

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return _can_decide(request)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path("<int:case_id>/decide/", self.admin_site.admin_view(self.decide_view), name="kyc_kyccase_decide"),
            path(
                "<int:case_id>/reveal/<str:field>/",
                self.admin_site.admin_view(self.reveal_view),
                name="kyc_kyccase_reveal",
            ),
        ]
        urls: list[URLPattern] = super().get_urls()
        return own + urls

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        case = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if case is not None:
            context["can_decide"] = _can_decide(request) and case.state == CaseState.IN_REVIEW
            context["decision_form"] = DecisionForm()
            context["decide_url"] = reverse("admin:kyc_kyccase_decide", args=[case.pk])
        response: HttpResponse = super().change_view(request, object_id, form_url, extra_context=context)
        return response

    # -- what the page shows --

    @admin.display(description="decided")
    def decided(self, case: KycCase) -> str:
        if case.decided_at is None:
            return "-"
        return f"{case.decided_at:%Y-%m-%d %H:%M} by {case.decided_by}"

    def _party(self, case: KycCase) -> Party | None:
        return selectors.party_get(customer_id=case.customer_id)

    @admin.display(description="party")
    def party_summary(self, case: KycCase) -> str:
        party = self._party(case)
        if party is None:
            return "no profile yet"
        rows = [
            ("Kind", party.get_kind_display()),
            ("Legal name", party.legal_name),
            ("Born", str(party.birth_date or "")),
            ("Nationality", party.nationality),
            (
                "Address",
                f"{party.address_line}, {party.address_postcode} {party.address_city}, {party.address_country}",
            ),
            ("Phone", party.phone),
            ("Tax residence", party.tax_residence),
            ("Occupation", party.get_occupation_display()),
            ("Source of funds", party.get_source_of_funds_display()),
            ("Expected monthly volume", f"{party.expected_monthly_volume_minor // 100:,} EUR"),
            ("PEP (self-declared)", "yes" if party.pep else "no"),
        ]
        if party.kind == "business":
            rows += [
                ("Company", party.company_name),
                ("Registration number", party.registration_number),
                ("Company country", party.company_country),
            ]
        table = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        identifiers = format_html_join(
            "",
            '<tr><th>{}</th><td>{} <a class="kyc-reveal" href="{}">reveal…</a></td></tr>',
            [
                (label, masked or "-", reverse("admin:kyc_kyccase_reveal", args=[case.pk, field]))
                for label, masked, field in (
                    ("Tax id", party.tax_id_masked, "tax_id"),
                    ("National id", party.national_id_masked, "national_id"),
                )
            ],
        )
        return format_html('<table class="kyc-party">{}{}</table>', table, identifiers)

    @admin.display(description="beneficial owners")
    def owners_summary(self, case: KycCase) -> str:
        party = self._party(case)
        owners = list(party.owners.all()) if party is not None else []
        if not owners:
            return "-"
        return format_html(
            "<table><tr><th>Name</th><th>Born</th><th>Nationality</th><th>Ownership</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} %</td></tr>",
                [(o.name, o.birth_date or "", o.nationality, o.ownership_percent) for o in owners],
            ),
        )

    @admin.display(description="same identifier on")
    def same_identifier(self, case: KycCase) -> str:
        party = self._party(case)
        others = selectors.party_same_identifier(party_id=party.pk) if party is not None else []
        if not others:
            return "no other customer"
        return format_html_join(", ", "{} (customer {})", [(p, p.customer_id) for p in others])

    @admin.display(description="matched list entries")
    def screening_summary(self, case: KycCase) -> str:
        rows = []
        for entry in case.screening_matches:
            for match in entry.get("matches", []):
                rows.append(
                    (
                        entry.get("who", ""),
                        entry.get("name", ""),
                        f"{match.get('source', '')}:{match.get('source_id', '')}",
                        match.get("listed_name", ""),
                        match.get("program", ""),
                        f"{float(match.get('score', 0)):.2f}",
                        match.get("why", ""),
                    )
                )
        if not rows:
            screened = ", ".join(str(e.get("name", "")) for e in case.screening_matches) or "nobody yet"
            return f"no match (screened: {screened})"
        return format_html(
            '<table class="kyc-hits"><tr><th>Who</th><th>Screened name</th><th>Entry</th><th>Listed name</th>'
            "<th>Programme</th><th>Score</th><th>Why</th></tr>{}</table>",
            format_html_join("", "<tr>" + "<td>{}</td>" * 7 + "</tr>", rows),
        )

    @admin.display(description="risk factors")
    def risk_factors(self, case: KycCase) -> str:
        if not case.risk_reasons:
            return "no factor raised the risk" if case.risk_rating else "not rated yet"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} ({})</li>",
                [
                    (r.get("text", ""), "forces high" if r.get("forces_high") else f"+{r.get('points', 0)}")
                    for r in case.risk_reasons
                ],
            ),
        )

    @admin.display(description="second officer")
    def pending_approval(self, case: KycCase) -> str:
        if case.approval_request_id is None:
            return "-"
        url = reverse("admin:approvals_approvalrequest_change", args=[case.approval_request_id])
        return format_html(
            '<a href="{}">approval request #{}</a> waits for a second officer', url, case.approval_request_id
        )

    @admin.display(description="transitions")
    def transitions_summary(self, case: KycCase) -> str:
        return format_html(
            "<table><tr><th>When</th><th>From</th><th>To</th><th>By</th><th>Why</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                [
                    (f"{t.at:%Y-%m-%d %H:%M}", t.from_state or "-", t.to_state, t.actor or "system", t.reason)
                    for t in selectors.case_transitions(case_id=case.pk)
                ],
            ),
        )

    # -- what officers do --

    @admin.action(description="Assign to me", permissions=["decide"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[KycCase]) -> None:
        done = 0
        for case in queryset:
            try:
                services.case_assign(
                    case_id=case.pk, assignee_id=_staff_id(request), actor_id=_staff_id(request), now=timezone.now()
                )
                done += 1
            except DomainError as refused:
                messages.error(request, f"{case}: {refused}")
        if done:
            messages.success(request, f"Assigned to you: {done}")

    def decide_view(self, request: HttpRequest, case_id: int) -> HttpResponse:
        if not _can_decide(request):
            raise PermissionDenied
        case = KycCase.objects.filter(pk=case_id).first()
        if case is None:
            raise Http404
        page = reverse("admin:kyc_kyccase_change", args=[case_id])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            problems = "; ".join(f"{field}: {' '.join(str(e) for e in errs)}" for field, errs in form.errors.items())
            messages.error(request, f"Nothing decided: {problems}")
            return HttpResponseRedirect(page)
        decision, reason, now = form.cleaned_data["decision"], form.cleaned_data["reason"], timezone.now()
        try:
            if decision == "approve":
                outcome = services.case_approve(case_id=case_id, officer_id=_staff_id(request), reason=reason, now=now)
                if outcome == services.CaseDecision.AWAITING_SECOND_OFFICER:
                    messages.warning(request, "High risk: the approval now waits for a second officer (Approvals).")
                else:
                    messages.success(request, "Approved: the customer is verified (tier 2).")
            elif decision == "reject":
                services.case_reject(case_id=case_id, officer_id=_staff_id(request), reason=reason, now=now)
                messages.success(request, "Rejected.")
            else:
                services.case_request_info(case_id=case_id, officer_id=_staff_id(request), message=reason, now=now)
                messages.success(request, "The customer is asked for more information.")
        except DomainError as refused:
            messages.error(request, f"Nothing decided: {refused}")
        return HttpResponseRedirect(page)

    def reveal_view(self, request: HttpRequest, case_id: int, field: str) -> HttpResponse:
        if not request.user.has_perm(services.access.VIEW_PERMISSION):
            raise PermissionDenied
        case = KycCase.objects.filter(pk=case_id).first()
        party = selectors.party_get(customer_id=case.customer_id) if case is not None else None
        if party is None or field not in ("tax_id", "national_id"):
            raise Http404
        form = RevealForm(request.POST if request.method == "POST" else None)
        value = None
        if form.is_valid():
            try:
                value = services.party_identifier_reveal(
                    party_id=party.pk,
                    field=field,
                    staff_id=_staff_id(request),
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                )
            except DomainError as refused:
                messages.error(request, str(refused))
        return TemplateResponse(
            request,
            "admin/kyc/kyccase/reveal.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Reveal the {field.replace('_', ' ')} of {party}",
                "opts": self.model._meta,
                "case": case,
                "form": form,
                "value": value,
                "case_url": reverse("admin:kyc_kyccase_change", args=[case_id]),
            },
        )


@admin.register(CaseTransition)
class CaseTransitionAdmin(ReadOnlyAdmin):
    list_display = ("case", "from_state", "to_state", "actor", "reason", "at")
    list_filter = ("to_state",)
    search_fields = ("=case__id", "case__customer__email")


@admin.register(Party)
class PartyAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    """Profiles are the customer's to write; staff read them here, identifiers masked."""

    list_display = ("__str__", "customer", "kind", "nationality", "address_country", "pep", "updated_at")
    list_filter = ("kind", "pep", "nationality")
    search_fields = ("customer__email", "legal_name", "company_name")
    exclude = ("tax_id_encrypted", "national_id_encrypted", "tax_id_index", "national_id_index")
    readonly_fields = ("tax_id_masked", "national_id_masked")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        shown = [f.name for f in Party._meta.fields if f.name not in self.exclude]
        return (*shown, "tax_id_masked", "national_id_masked")


@admin.register(BeneficialOwner)
class BeneficialOwnerAdmin(ReadOnlyAdmin):
    list_display = ("name", "party", "nationality", "ownership_percent", "screening_subject_id")
    search_fields = ("name", "party__company_name")


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(ReadOnlyAdmin):
    """Who saw what, when and why: for the auditor (and the data protection officer)."""

    list_display = ("at", "staff", "subject", "object_id", "reason")
    list_filter = ("subject", ("staff", admin.RelatedOnlyFieldListFilter))
    search_fields = ("staff__email", "=object_id")
    date_hierarchy = "at"


# --- tiers, limits, standing --------------------------------------------------------------------


@admin.register(Tier)
class TierAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    list_display = ("level", "name", "moves_money")
    readonly_fields = ("level",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the three tiers are the rules' own; their names and texts may be edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Limit)
class LimitAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    list_display = (
        "tier", "risk_rating", "kind", "per_transaction_minor", "per_day_minor", "per_month_minor", "held_minor",
    )  # fmt: skip
    list_filter = ("tier", "risk_rating", "kind")


@admin.register(CustomerKyc)
class CustomerKycAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    list_display = ("customer", "tier", "risk_rating", "restricted", "approved_at", "next_review_date")
    list_filter = ("tier", "risk_rating", "restricted")
    search_fields = ("customer__email",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(UsageBucket)
class UsageBucketAdmin(ReadOnlyAdmin):
    list_display = ("customer", "kind", "period", "starts_on", "used_minor")
    list_filter = ("kind", "period")
    search_fields = ("customer__email",)
