"""``encryption_rotate`` and the KYC part of ``seed_demo``."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.kyc import interface as kyc
from apps.kyc import services
from apps.kyc.models import CaseState, KycCase, Party
from bankcore import crypto
from bankcore.users.models import User
from tests.apps.kyc.conftest import NOW
from tests.apps.kyc.factories import person_data

pytestmark = pytest.mark.django_db


def test_encryption_rotate_re_encrypts_and_says_how_many(customer: User, settings: Any) -> None:
    old, new = crypto.generate_key(), crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    services.party_save(customer_id=customer.pk, data=person_data(), now=NOW)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = StringIO()
    call_command("encryption_rotate", stdout=out)
    assert out.getvalue().strip() == "re-encrypted 1 row(s) with the newest key"
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt_text(Party.objects.get(customer=customer).tax_id_encrypted) == "36574261809"


def test_encryption_rotate_without_the_old_key_stops_with_one_line(customer: User, settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    services.party_save(customer_id=customer.pk, data=person_data(), now=NOW)
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    with pytest.raises(CommandError, match="keep the old key"):
        call_command("encryption_rotate")
    with pytest.raises(CommandError, match="--batch"):
        call_command("encryption_rotate", "--batch", "0")


def test_seed_demo_verifies_the_demo_customers_and_leaves_one_case_for_the_officer() -> None:
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent
    emails = ["alice@bankcore.localhost", "bob@bankcore.localhost", "acme@bankcore.localhost"]
    for email in emails:
        customer = User.objects.get(email=email)
        status = kyc.customer_status(customer_id=customer.pk)
        assert status.tier == 2, email
        assert KycCase.objects.get(customer=customer).state == CaseState.APPROVED
    acme = Party.objects.get(customer__email="acme@bankcore.localhost")
    assert (acme.kind, acme.company_name, acme.owners.count()) == ("business", "Acme Handels GmbH", 1)
    pending = KycCase.objects.get(customer__email="carol@bankcore.localhost")
    assert pending.state == CaseState.IN_REVIEW
    assert KycCase.objects.count() == 4
