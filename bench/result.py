from __future__ import annotations

import json
import sys


def emit(
    name: str, value: float, unit: str, *, baseline: str | None = None, baseline_value: float | None = None
) -> dict[str, object]:
    """Print one result line in the format outside tools read."""
    ratio = value / baseline_value if baseline and baseline_value else None
    line: dict[str, object] = {
        "bench": name,
        "value": round(value, 4),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": round(baseline_value, 4) if baseline_value is not None else None,
        "ratio": round(ratio, 4) if ratio is not None else None,
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
    return line
