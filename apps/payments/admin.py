"""payments: admin (see DESIGN.md §2)."""

from apps.payments import admin_settlement  # noqa: F401  (settlement back office registers itself)
