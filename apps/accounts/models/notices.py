"""Which postings the customer has been told about (money in, money out): each once."""

from __future__ import annotations

from django.db import models


class MoneyNotice(models.Model):
    posting_id = models.BigIntegerField(unique=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    notified_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"posting {self.posting_id}"
