"""Back office for maker-checker: checkers approve or reject requests made by others."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from bankcore.admin_mixins import ReadOnlyMixin
from bankcore.approvals import services
from bankcore.approvals.models import ApprovalRequest


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    """Requests are made by the feature that needs them, never typed in here; checkers decide."""

    list_display = ("id", "action", "status", "maker", "requested_at", "checker", "decided_at")
    list_filter = ("status", "action")
    search_fields = ("action", "payload_hash", "reason")
    readonly_fields = [f.name for f in ApprovalRequest._meta.fields]
    actions = ("approve_selected", "reject_selected")

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("approvals.decide_approvalrequest")

    def _decide(self, request: HttpRequest, queryset: QuerySet[ApprovalRequest], *, approve: bool) -> None:
        decide = services.approval_approve if approve else services.approval_reject
        checker_id = request.user.pk
        assert checker_id is not None  # the admin only serves authenticated staff
        done = 0
        for pk in queryset.values_list("pk", flat=True):
            try:
                decide(request_id=pk, checker_id=checker_id, now=timezone.now())
                done += 1
            except services.ApprovalRefused as refused:
                self.message_user(request, f"#{pk}: {refused} ({refused.code})", messages.ERROR)
        if done:
            verb = "approved" if approve else "rejected"
            self.message_user(request, f"{done} request(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Approve selected requests (runs the action)", permissions=["decide"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[ApprovalRequest]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject selected requests", permissions=["decide"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[ApprovalRequest]) -> None:
        self._decide(request, queryset, approve=False)
