"""Users for the identity tests: customers, staff in a role, and their authenticator devices."""

from __future__ import annotations

from typing import Any

import factory
from allauth.account.models import EmailAddress
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore.users import roles
from bankcore.users.models import User

PASSWORD = "correct-Horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
            self.save()


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@bank.test")
    is_staff = True

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if create and extracted:
            roles.roles_sync()
            roles.user_roles_set(user_id=self.pk, roles=[extracted])


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Authenticator app"
    confirmed = True
