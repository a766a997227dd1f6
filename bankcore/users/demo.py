"""Demo users: an administrator and two customers (role staff come with the access issue)."""

from __future__ import annotations

from dataclasses import dataclass

from bankcore.users import services

DEMO_PASSWORD = "demo-Passw0rd!"  # noqa: S105 - demo data only; `make run` prints it


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False


DEMO_USERS = [
    DemoUser("admin@bankcore.localhost", "Ada Admin", "administrator", is_staff=True, is_superuser=True),
    DemoUser("alice@bankcore.localhost", "Alice Example", "customer"),
    DemoUser("bob@bankcore.localhost", "Bob Example", "customer"),
]


def seed() -> list[str]:
    lines = []
    for demo in DEMO_USERS:
        services.user_ensure(
            email=demo.email,
            password=DEMO_PASSWORD,
            full_name=demo.full_name,
            is_staff=demo.is_staff,
            is_superuser=demo.is_superuser,
        )
        lines.append(f"{demo.role:<14} {demo.email}  password: {DEMO_PASSWORD}")
    return lines
