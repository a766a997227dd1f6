"""Dashboard panels: apps register what they show on the customer's dashboard (the kernel imports no app).

A panel renders an HTML fragment for the signed-in user, or returns None to show its empty state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

Render = Callable[[HttpRequest], str | None]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    empty: str
    order: int
    render: Render | None = None


_panels: dict[str, Panel] = {}


def register(key: str, *, title: str, empty: str, order: int = 100, render: Render | None = None) -> None:
    _panels[key] = Panel(key=key, title=title, empty=empty, order=order, render=render)


def panels() -> list[Panel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.key))


# Until the apps fill them, the dashboard shows what will be there.
register("accounts", title="Accounts", empty="You have no accounts yet.", order=10)
register("wallets", title="Wallets", empty="You have no wallets yet.", order=20)
register("payments", title="Recent payments", empty="No payments yet.", order=30)
