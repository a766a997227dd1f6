"""Back office for fraud analysts: alert queue and cases, rules (maker-checker), lists, re-screens.

Thin: every action calls one service; refusals are shown as messages, never as a 500.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from apps.fraud.expressions import ConditionInvalid
from apps.fraud.models import (
    Alert,
    AlertNote,
    BacktestRun,
    MonitoredTransaction,
    RescreenRun,
    Rule,
    RuleVersion,
    SanctionsEntry,
    SanctionsListVersion,
    ScreenedSubject,
)
from apps.fraud.selectors import alerts as alert_read
from apps.fraud.services import alerts, backtests, rules
from bankcore.admin_mixins import ReadOnlyAdmin
from bankcore.errors import DomainError


def _each(request: HttpRequest, queryset: QuerySet[Any], action: Any, done: str) -> None:
    ok = 0
    for obj in queryset:
        try:
            action(obj)
            ok += 1
        except DomainError as exc:
            messages.error(request, f"{obj}: {exc}")
    if ok:
        messages.success(request, f"{done}: {ok}")


# --- alerts and cases ---------------------------------------------------------------------------


class AlertNoteInline(admin.TabularInline[AlertNote, Alert]):
    model = AlertNote
    extra = 1
    fields = ("created_at", "author", "body")
    readonly_fields = ("created_at", "author")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # notes are a record: added, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    """The queue: open cases, highest score first; actions assign, decide the payment, close, export."""

    list_display = (
        "id",
        "kind",
        "status",
        "score",
        "summary",
        "customer_id",
        "payment_ref",
        "hold",
        "assignee",
        "opened_at",
    )
    list_filter = ("status", "kind", "hold", "outcome", ("assignee", admin.RelatedOnlyFieldListFilter))
    search_fields = ("summary", "payment_ref", "=customer_id")
    ordering = ("status", "-score", "opened_at")
    inlines = [AlertNoteInline]
    readonly_fields = (
        "kind",
        "status",
        "outcome",
        "customer_id",
        "subject",
        "transaction",
        "payment_ref",
        "hold",
        "score",
        "summary",
        "details",
        "dedupe_key",
        "assignee",
        "opened_at",
        "closed_at",
    )
    actions = [
        "assign_to_me",
        "release_payment",
        "reject_payment",
        "close_false_positive",
        "close_confirmed",
        "escalate",
        "export_sar_draft",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # alerts come from screening and monitoring (or another app's interface call)

    def save_model(self, request: HttpRequest, obj: Alert, form: Any, change: bool) -> None:
        # An alert changes only through the services (actions below); the change form adds notes.
        # The history page's "revert" posts here too: it must not write an older state back.
        return

    def revert_disabled(self, request: HttpRequest, obj: Alert | None = None) -> bool:
        return True

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # New notes go through the service (author and time are set there, not by the form).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for note_form in formset.forms:
            body = note_form.cleaned_data.get("body") if note_form.has_changed() else None
            if body and not note_form.instance.pk:
                alerts.alert_note_add(
                    alert_id=form.instance.pk, author_id=request.user.pk, body=body, now=timezone.now()
                )

    @admin.action(description="Assign to me")
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        _each(
            request,
            queryset,
            lambda a: alerts.alert_assign(alert_id=a.pk, assignee_id=request.user.pk, now=timezone.now()),
            "Assigned",
        )

    @admin.action(description="Release the held payment")
    def release_payment(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        _each(
            request,
            queryset,
            lambda a: alerts.alert_payment_decide(
                alert_id=a.pk, release=True, by_id=request.user.pk, now=timezone.now()
            ),
            "Released",
        )

    @admin.action(description="Reject the held payment")
    def reject_payment(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        _each(
            request,
            queryset,
            lambda a: alerts.alert_payment_decide(
                alert_id=a.pk, release=False, by_id=request.user.pk, now=timezone.now()
            ),
            "Rejected",
        )

    def _close(self, request: HttpRequest, queryset: QuerySet[Alert], outcome: str, done: str) -> None:
        _each(
            request,
            queryset,
            lambda a: alerts.alert_close(
                alert_id=a.pk, outcome=outcome, closed_by_id=request.user.pk, now=timezone.now()
            ),
            done,
        )

    @admin.action(description="Close: false positive (releases a held payment)")
    def close_false_positive(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._close(request, queryset, Alert.Outcome.FALSE_POSITIVE, "Closed as false positive")

    @admin.action(description="Close: confirmed fraud / true match (rejects a held payment)")
    def close_confirmed(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._close(request, queryset, Alert.Outcome.CONFIRMED_FRAUD, "Closed as confirmed")

    @admin.action(description="Escalate to compliance")
    def escalate(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._close(request, queryset, Alert.Outcome.ESCALATED, "Escalated")

    @admin.action(description="Export a suspicious-activity report draft")
    def export_sar_draft(self, request: HttpRequest, queryset: QuerySet[Alert]) -> HttpResponse:
        body = "\n\f\n".join(alert_read.alert_sar_draft(alert_id=a.pk) for a in queryset.order_by("pk"))
        response = HttpResponse(body, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="sar-draft.txt"'
        return response


# --- rules --------------------------------------------------------------------------------------


class RuleVersionInline(admin.TabularInline[RuleVersion, Rule]):
    model = RuleVersion
    extra = 0
    fields = ("number", "status", "score", "condition", "description", "activated_at", "error_count", "last_error")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin[Rule]):
    list_display = ("code", "created_at")
    search_fields = ("code",)
    inlines = [RuleVersionInline]
    readonly_fields = ("code", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rules are born as a first draft version (Rule versions > Add)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a rule is its code and its versions: nothing here to edit


class FailingFilter(admin.SimpleListFilter):
    """Versions whose condition raised while evaluated: each such payment was held for review."""

    title = "evaluation errors"
    parameter_name = "failing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Raised at least once"), ("no", "Never raised")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(error_count__gt=0)
        if self.value() == "no":
            return queryset.filter(error_count=0)
        return queryset


@admin.register(RuleVersion)
class RuleVersionAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    """Analysts write drafts here; activation needs a second person (Approvals)."""

    list_display = ("rule", "number", "status", "score", "description", "activated_at", "error_count", "last_error_at")
    list_filter = ("status", FailingFilter)
    search_fields = ("rule__code", "description", "condition")
    actions = ["request_activation", "shadow_mode", "retire", "backtest_30_days"]
    fields = ("code", "condition", "score", "description")

    def get_fields(self, request: HttpRequest, obj: RuleVersion | None = None) -> Any:
        if obj is None:
            return ("code", "condition", "score", "description")
        return (
            "rule",
            "number",
            "status",
            "condition",
            "score",
            "description",
            "created_by",
            "created_at",
            "error_count",
            "last_error",
            "last_error_at",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: RuleVersion | None = None) -> Any:
        # A version never changes once saved: edit by adding a new draft version.
        return () if obj is None else self.get_fields(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        from django import forms

        if obj is not None:
            return super().get_form(request, obj, change, **kwargs)

        class NewVersionForm(forms.ModelForm[RuleVersion]):
            code = forms.SlugField(help_text="Existing code: a new version of that rule. New code: a new rule.")

            class Meta:
                model = RuleVersion
                fields = ("condition", "score", "description")

            def clean_condition(self) -> str:
                condition: str = self.cleaned_data["condition"]
                try:
                    rules.rule_condition_check(condition=condition)
                except ConditionInvalid as exc:
                    raise forms.ValidationError(str(exc)) from None
                return condition

        return NewVersionForm

    def save_model(self, request: HttpRequest, obj: RuleVersion, form: Any, change: bool) -> None:
        if change:
            return
        data = form.cleaned_data
        obj.pk = rules.rule_version_create(
            code=data["code"],
            condition=data["condition"],
            score=data["score"],
            description=data["description"],
            created_by_id=request.user.pk,
            now=timezone.now(),
        )
        obj.refresh_from_db()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def revert_disabled(self, request: HttpRequest, obj: RuleVersion | None = None) -> bool:
        return True  # status moves through the services (activation through approval), never a revert

    @admin.action(description="Request activation (a second analyst approves in Approvals)")
    def request_activation(self, request: HttpRequest, queryset: QuerySet[RuleVersion]) -> None:
        _each(
            request,
            queryset,
            lambda v: rules.rule_activation_request(
                version_id=v.pk, maker_id=request.user.pk or 0, reason=f"activate {v}", now=timezone.now()
            ),
            "Activation requested",
        )

    @admin.action(description="Run in shadow mode (evaluated on live traffic, never decides)")
    def shadow_mode(self, request: HttpRequest, queryset: QuerySet[RuleVersion]) -> None:
        _each(
            request,
            queryset,
            lambda v: rules.rule_version_set_status(version_id=v.pk, status=RuleVersion.Status.SHADOW),
            "Shadow",
        )

    @admin.action(description="Retire")
    def retire(self, request: HttpRequest, queryset: QuerySet[RuleVersion]) -> None:
        _each(
            request,
            queryset,
            lambda v: rules.rule_version_set_status(version_id=v.pk, status=RuleVersion.Status.RETIRED),
            "Retired",
        )

    @admin.action(description="Back-test the selected versions over the last 30 days")
    def backtest_30_days(self, request: HttpRequest, queryset: QuerySet[RuleVersion]) -> None:
        now = timezone.now()
        try:
            run_id = backtests.backtest_run(
                rule_version_ids=list(queryset.values_list("pk", flat=True)),
                since=now - timedelta(days=30),
                until=now,
                now=now,
                created_by_id=request.user.pk,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
            return
        messages.success(request, f"Back-test {run_id} done: see Back-test runs.")


@admin.register(BacktestRun)
class BacktestRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "since", "until", "rule_version_ids", "evaluated", "created_at", "created_by")
    readonly_fields = ("rule_version_ids", "since", "until", "created_at", "created_by", "result")

    @admin.display(description="evaluated")
    def evaluated(self, obj: BacktestRun) -> int:
        return int(obj.result.get("evaluated", 0))


@admin.register(MonitoredTransaction)
class MonitoredTransactionAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "customer_id",
        "amount_minor",
        "currency",
        "outcome",
        "score",
        "rules_failed",
        "occurred_at",
    )
    list_filter = ("outcome", "currency")
    search_fields = ("reference", "=customer_id", "counterparty_key")
    date_hierarchy = "occurred_at"

    @admin.display(description="rules failed")
    def rules_failed(self, obj: MonitoredTransaction) -> str:
        return ", ".join(f"{f['code']} v{f['version']}" for f in obj.failed) or "-"


# --- sanctions lists and screening ----------------------------------------------------------


@admin.register(SanctionsListVersion)
class SanctionsListVersionAdmin(ReadOnlyAdmin):
    list_display = ("source", "version", "list_date", "imported_at", "entry_count", "added", "changed", "removed")


@admin.register(SanctionsEntry)
class SanctionsEntryAdmin(ReadOnlyAdmin):
    list_display = ("source_id", "name", "sdn_type", "program")
    list_filter = ("source", "sdn_type")
    search_fields = ("name", "=source_id")


@admin.register(ScreenedSubject)
class ScreenedSubjectAdmin(ReadOnlyAdmin):
    list_display = ("kind", "ref", "name", "customer_id", "best_score", "screened_at", "screened_version")
    list_filter = ("kind",)
    search_fields = ("name", "ref")


@admin.register(RescreenRun)
class RescreenRunAdmin(ReadOnlyAdmin):
    """Progress of re-screens after list changes (resumable: the cursor is last_subject_id)."""

    list_display = (
        "id",
        "list_version",
        "status",
        "progress",
        "processed",
        "total",
        "hits",
        "started_at",
        "updated_at",
    )
    list_filter = ("status",)

    @admin.display(description="progress")
    def progress(self, obj: RescreenRun) -> str:
        return f"{100 * obj.processed // obj.total}%" if obj.total else "100%"
