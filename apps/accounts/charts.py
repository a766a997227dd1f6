"""The balance-over-time chart, drawn on the server as SVG (no script, no inline style: strict CSP).

Colours and strokes come from classes in bankcore.css; the SVG carries a title and a description
for screen readers, and the page shows the same figures as a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.accounts.history import BalancePoint
from bankcore.money import Money

WIDTH, HEIGHT = 600, 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 8, 8, 12, 24


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    line: str  # the points attribute of the polyline
    area: str  # the points attribute of the polygon under the line
    zero_y: float | None  # where the zero line runs, when the range crosses it
    labels: list[tuple[float, str]]  # x positions and texts along the bottom
    low: str
    high: str


def balance_chart(points: list[BalancePoint]) -> Chart | None:
    """The chart of these end-of-day balances; None for fewer than two days."""
    if len(points) < 2:
        return None
    values = [p.balance.minor for p in points]
    low, high = min(*values, 0), max(*values, 0)
    span = (high - low) or 1
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(i: int) -> float:
        return round(PAD_LEFT + inner_w * i / (len(points) - 1), 1)

    def y(v: int) -> float:
        return round(PAD_TOP + inner_h * (high - v) / span, 1)

    line = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
    base = y(max(low, 0)) if low >= 0 else y(0)
    area = f"{x(0)},{base} {line} {x(len(values) - 1)},{base}"
    step = max(1, len(points) // 4)
    labels = [(x(i), points[i].day.strftime("%d %b")) for i in range(0, len(points), step)]
    currency = points[0].balance.currency

    return Chart(
        width=WIDTH,
        height=HEIGHT,
        line=line,
        area=area,
        zero_y=y(0) if low < 0 < high else None,
        labels=labels,
        low=Money(min(values), currency).format(),
        high=Money(max(values), currency).format(),
    )
