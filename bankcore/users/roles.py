"""Staff roles as groups of permissions, defined by app label and model so later apps slot in.

``roles_sync`` makes the groups match this table exactly (idempotent); it runs after every
``migrate`` (so new models get their role at once) and from ``manage.py setup_roles``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

VIEW = ("view",)
WORK = ("view", "add", "change")  # bank records are never deleted by hand
ALL = ("view", "add", "change", "delete")
DECIDE = ("decide",)  # maker-checker: may approve or reject someone else's request
ENROL = ("enrol",)  # may issue a staff member a second-factor enrolment token

# Models whose rows hold second-factor secrets: only administrators see them.
SECRET_APPS = frozenset({"otp_totp", "otp_static"})


@dataclass(frozen=True)
class Grant:
    app_label: str  # "*" is every installed app (SECRET_APPS excepted)
    models: tuple[str, ...] | None  # None is every model of the app, historical records included
    actions: tuple[str, ...]


SUPPORT_AGENT = "Support agent"
KYC_OFFICER = "KYC officer"
FRAUD_ANALYST = "Fraud analyst"
PAYMENTS_OPERATOR = "Payments operator"
AUDITOR = "Auditor"
PARTNER_MANAGER = "Partner manager"
ADMINISTRATOR = "Administrator"

ROLES: dict[str, tuple[Grant, ...]] = {
    SUPPORT_AGENT: (
        Grant("users", ("user",), VIEW),
        Grant("accounts", None, VIEW),
        Grant("accounts", ("account",), ("block", "manage")),  # accounts: block, ask to close or lend
        Grant("wallets", None, VIEW),
        Grant("payments", None, VIEW),
    ),
    KYC_OFFICER: (
        Grant("users", ("user",), VIEW),
        Grant("kyc", None, WORK),
        Grant("approvals", ("approvalrequest",), VIEW + DECIDE),
    ),
    FRAUD_ANALYST: (
        Grant("users", ("user",), VIEW),
        Grant("fraud", None, WORK),
        Grant("accounts", None, VIEW),
        Grant("accounts", ("account",), ("block",)),  # accounts: block debits or the whole account
        Grant("approvals", ("approvalrequest",), VIEW + DECIDE),
    ),
    PAYMENTS_OPERATOR: (
        Grant("users", ("user",), VIEW),
        Grant("payments", None, WORK),
        Grant("approvals", ("approvalrequest",), VIEW + DECIDE),
    ),
    PARTNER_MANAGER: (
        Grant("users", ("user",), VIEW),
        Grant("api", None, VIEW),
        Grant("api", ("partnergrant",), ("add", "change", "manage")),
    ),
    AUDITOR: (Grant("*", None, VIEW),),
    ADMINISTRATOR: (
        Grant("*", None, ALL),
        Grant("otp_totp", None, ALL),
        Grant("otp_static", None, ALL),
        Grant("approvals", ("approvalrequest",), DECIDE),
        Grant("accounts", ("account",), ("block", "manage")),  # accounts
        Grant("users", ("user",), ENROL),
        Grant("api", ("partnergrant",), ("manage",)),  # api: partner credentials and suspension
    ),
}


def _labels(grant: Grant) -> list[str]:
    if grant.app_label != "*":
        return [grant.app_label]
    return [config.label for config in apps.get_app_configs() if config.label not in SECRET_APPS]


def role_permissions(*, role: str) -> set[tuple[str, str]]:
    """The (app_label, codename) pairs a role grants, for the models installed now."""
    wanted: set[tuple[str, str]] = set()
    for grant in ROLES[role]:
        for label in _labels(grant):
            try:
                config = apps.get_app_config(label)
            except LookupError:
                continue  # an app not installed (yet): its grant waits for it
            names = [m._meta.model_name for m in config.get_models()]
            for model_name in names if grant.models is None else grant.models:
                wanted.update((label, f"{action}_{model_name}") for action in grant.actions)
    return wanted


@transaction.atomic
def roles_sync() -> dict[str, int]:
    """Create or update one group per role with exactly its permissions; returns permissions per group."""
    ContentType.objects.clear_cache()
    counts: dict[str, int] = {}
    for role in ROLES:
        wanted = role_permissions(role=role)
        labels = {label for label, _ in wanted}
        perms = [
            perm
            for perm in Permission.objects.filter(content_type__app_label__in=labels).select_related("content_type")
            if (perm.content_type.app_label, perm.codename) in wanted
        ]
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(perms)
        counts[role] = len(perms)
    return counts


def user_roles_set(*, user_id: int, roles: list[str]) -> None:
    """Make the user a member of exactly these role groups."""
    from bankcore.users.models import User

    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    user = User.objects.get(pk=user_id)
    role_groups = Group.objects.filter(name__in=list(ROLES))
    user.groups.remove(*role_groups)
    user.groups.add(*Group.objects.filter(name__in=roles))
