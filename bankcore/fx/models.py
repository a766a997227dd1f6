"""The bank's reference rates: one row per pair and moment, never changed once written.

``mid`` is the exact decimal number of ``quote`` units one ``base`` unit buys (EUR,USD,1.0842:
one euro is 1.0842 dollars), as the ECB publishes it; never a float.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class Rate(models.Model):
    base = models.CharField(max_length=3)
    quote = models.CharField(max_length=3)
    mid = models.DecimalField(max_digits=24, decimal_places=12)
    as_of = models.DateTimeField()
    source = models.CharField(max_length=60)
    loaded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["base", "quote", "as_of"], name="fx_rate_pair_moment_unique"),
            models.CheckConstraint(condition=Q(mid__gt=0), name="fx_rate_mid_positive"),
            models.CheckConstraint(condition=~Q(base=F("quote")), name="fx_rate_distinct_currencies"),
        ]
        indexes = [models.Index(fields=["base", "quote", "-as_of"], name="fx_rate_latest_idx")]

    def __str__(self) -> str:
        return f"{self.base}/{self.quote} {self.mid} @ {self.as_of.isoformat()}"
