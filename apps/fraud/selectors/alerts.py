"""Reads of alerts and cases."""

from __future__ import annotations

from apps.fraud.models import Alert


def alert_sar_draft(*, alert_id: int) -> str:
    """A suspicious-activity report draft for the analyst to complete and file (plain text)."""
    alert = Alert.objects.select_related("subject", "transaction", "assignee").get(pk=alert_id)
    lines = [
        "SUSPICIOUS ACTIVITY REPORT - DRAFT (not filed)",
        "",
        f"Alert: {alert.pk} ({alert.get_kind_display()}), opened {alert.opened_at:%Y-%m-%d %H:%M %Z}",
        f"Status: {alert.get_status_display()}; outcome: {alert.get_outcome_display()}",
        f"Analyst: {alert.assignee.get_username() if alert.assignee else 'unassigned'}",
        f"Customer id: {alert.customer_id if alert.customer_id is not None else 'unknown'}",
        "",
        "Subject",
    ]
    if alert.subject is not None:
        s = alert.subject
        lines.append(f"  {s.get_kind_display()} {s.ref}: {s.name}")
        if s.birth_year or s.country:
            lines.append(f"  birth year: {s.birth_year or '-'}; country: {s.country or '-'}")
    if alert.transaction is not None:
        t = alert.transaction
        lines.append(
            f"  transaction {t.reference}: {t.amount_minor} minor units {t.currency} "
            f"to {t.counterparty_key or '-'} at {t.occurred_at:%Y-%m-%d %H:%M %Z}"
        )
    if alert.payment_ref:
        lines.append(f"  payment {alert.payment_ref}: {alert.get_hold_display()}")
    lines += ["", "Grounds for suspicion", f"  {alert.summary} (score {alert.score:g})"]
    for match in alert.details.get("matches", []):
        lines.append(
            f"  - sanctions list {match['source'].upper()} entry {match['source_id']} {match['listed_name']} "
            f"[{match['program']}], score {match['score']}: {match['why']}"
        )
    for rule in alert.details.get("fired", []):
        lines.append(f"  - rule {rule['code']} v{rule['version']} (+{rule['score']}): {rule['description']}")
    for rule in alert.details.get("failed", []):
        lines.append(f"  - rule {rule['code']} v{rule['version']} could not be evaluated: {rule['error']}")
    lines += ["", "Analyst notes"]
    notes = list(alert.notes.select_related("author").order_by("created_at", "id"))
    lines += [
        f"  {n.created_at:%Y-%m-%d %H:%M} {n.author.get_username() if n.author else 'system'}: {n.body}" for n in notes
    ] or ["  (none)"]
    lines += ["", "Narrative (to be completed by the analyst)", "  ..."]
    return "\n".join(lines) + "\n"
