from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import factory
from factory.django import DjangoModelFactory

from bankcore.notifications.models import Notification
from bankcore.users.models import User


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"customer{n}@example.test")
    full_name = factory.Faker("name")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return User.objects.create_user(*args, password="correct-Horse-battery-9", **kwargs)


class NotificationFactory(DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    customer = factory.SubFactory(UserFactory)
    kind = "bank.notice"
    title = factory.Sequence(lambda n: f"Notice {n}")
    body = "Something you should know."
    link = ""
    created_at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
