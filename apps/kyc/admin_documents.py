"""Back office for identity documents: a list of what was sent, and a view that asks why first.

Nothing here shows a document without a reason. The "View" page asks for one; its POST logs the
look (``document_staff_open`` → ``SensitiveAccess``) and then shows the clean copy through a
grant valid a few minutes for this staff member and this document only. The original (the
evidence, as uploaded) is a download under the same logged grant. The rows themselves are
written only by the upload service: no add, change or delete here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html

from apps.kyc import documents
from apps.kyc.errors import AccessRefused
from apps.kyc.models import Document
from apps.kyc.serving import document_response
from bankcore.admin_mixins import ReadOnlyAdmin

VIEW_PERMISSION = "kyc.view_document"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need to see this document?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Recorded with your name and the time; the customer's data protection officer can read it.",
    )


def _case_url(case_id: int) -> str:
    try:
        return reverse("admin:kyc_kyccase_change", args=[case_id])
    except NoReverseMatch:  # the case admin is not registered (a trimmed-down back office)
        return ""


class DocumentInline(admin.TabularInline[Document, Any]):
    """The case page's documents: what was sent and when; each opens only through the reason form."""

    model = Document
    extra = 0
    can_delete = False
    fields = ("kind", "media_type", "original_size", "uploaded_at", "superseded_at", "view_link")
    readonly_fields = fields
    ordering = ("kind", "-uploaded_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Document")
    def view_link(self, obj: Document) -> str:
        return _view_link(obj)


def _view_link(obj: Document) -> str:
    url = reverse("admin:kyc_document_view", args=[obj.pk])
    return format_html('<a href="{}">View {} (reason required)</a>', url, obj.get_kind_display())


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "case", "customer", "media_type", "uploaded_at", "superseded_at", "view_link")
    list_filter = ("kind", "media_type")
    search_fields = ("customer__email",)
    fields = (
        "case", "customer", "kind", "media_type", "original_name", "original_sha256", "original_size",
        "copy_size", "width", "height", "pages", "uploaded_at", "superseded_at", "view_link",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description="Document")
    def view_link(self, obj: Document) -> str:
        return _view_link(obj)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:document_id>/view/", wrap(self.view_document), name="kyc_document_view"),
            path("<int:document_id>/file/<str:which>/", wrap(self.document_file), name="kyc_document_file"),
            *super().get_urls(),
        ]

    def _allowed(self, request: HttpRequest) -> None:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied("KYC documents are for KYC staff")

    def view_document(self, request: HttpRequest, document_id: int) -> HttpResponse:
        self._allowed(request)
        document = Document.objects.select_related("case", "customer").filter(pk=document_id).first()
        if document is None:
            raise Http404("no such document")
        form = ReasonForm(request.POST if request.method == "POST" else None)
        grant = ""
        if request.method == "POST" and form.is_valid():
            try:
                grant = documents.document_staff_open(
                    staff_id=request.user.pk,  # type: ignore[arg-type]
                    document_id=document.pk,
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                )
            except AccessRefused as refused:
                form.add_error("reason", str(refused))
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": f"{document.get_kind_display()} of {document.customer}",
            "document": document,
            "form": form,
            "grant": grant,
            "opts": self.model._meta,
            "case_url": _case_url(document.case_id),
        }
        if grant:
            context["copy_url"] = reverse("admin:kyc_document_file", args=[document.pk, "copy"]) + f"?grant={grant}"
            context["original_url"] = (
                reverse("admin:kyc_document_file", args=[document.pk, "original"]) + f"?grant={grant}"
            )
        response = TemplateResponse(request, "kyc/admin/document_view.html", context)
        add_never_cache_headers(response)
        return response

    def document_file(self, request: HttpRequest, document_id: int, which: str) -> HttpResponse:
        self._allowed(request)
        staff_id: int = request.user.pk  # type: ignore[assignment]
        grant = request.GET.get("grant", "")
        try:
            if which == "copy":
                file = documents.document_copy_for_staff(staff_id=staff_id, document_id=document_id, grant=grant)
            elif which == "original":
                file = documents.document_original_for_staff(staff_id=staff_id, document_id=document_id, grant=grant)
            else:
                raise Http404("no such file")
        except Document.DoesNotExist:
            raise Http404("no such document") from None
        except documents.DocumentRefused as refused:
            messages.error(request, str(refused))
            return HttpResponseRedirect(reverse("admin:kyc_document_view", args=[document_id]))
        return document_response(file, attachment=which == "original")
