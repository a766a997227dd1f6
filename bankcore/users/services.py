"""Writes on users."""

from __future__ import annotations

from django.db import transaction

from bankcore.users.models import User


@transaction.atomic
def user_ensure(
    *, email: str, password: str, full_name: str = "", is_staff: bool = False, is_superuser: bool = False
) -> int:
    """Create the user if absent (idempotent, for demo data and bootstrap); returns its id."""
    user = User.objects.filter(email=email.lower()).first()
    if user is None:
        creator = User.objects.create_superuser if is_superuser else User.objects.create_user
        user = creator(email=email, password=password, full_name=full_name, is_staff=is_staff)
    return user.pk
