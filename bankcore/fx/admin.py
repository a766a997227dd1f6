"""Back office: the reference rates, read-only (they change only through `fx_rates_load`)."""

from __future__ import annotations

from django.contrib import admin

from bankcore.admin_mixins import ReadOnlyAdmin
from bankcore.fx.models import Rate


@admin.register(Rate)
class RateAdmin(ReadOnlyAdmin):
    list_display = ("base", "quote", "mid", "as_of", "source", "loaded_at")
    list_filter = ("base", "quote", "source")
    date_hierarchy = "as_of"
    ordering = ("-as_of", "base", "quote")
