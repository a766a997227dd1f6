"""Demo data: the OFAC snapshot shipped in apps/fraud/data/ofac and the starter rule set."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from apps.fraud.services import rules, sanctions

OFAC_DIR = Path(__file__).resolve().parent / "data" / "ofac"


def seed() -> list[str]:
    now = timezone.now()
    report = sanctions.sanctions_demo_ensure(directory=OFAC_DIR, now=now)
    rules.rules_defaults_ensure(now=now)
    return [
        f'{"sanctions list":<14} OFAC {report.version} ({report.entries} entries); try: manage.py screen "Bin Laden"'
    ]
