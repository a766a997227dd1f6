from __future__ import annotations

from datetime import datetime

import pytest

from apps.fraud.services import rules


@pytest.fixture
def starter_rules(now: datetime) -> list[int]:
    """The starter rule set, active (``apps.fraud.default_rules``); returns the version ids."""
    return rules.rules_defaults_ensure(now=now)
