"""Beneficiaries: adding, changing and trusting need SCA bound to what changes; each is screened."""

from __future__ import annotations

from datetime import datetime

import pytest

from apps.fraud.models import ScreenedSubject
from apps.payments.errors import BeneficiaryRefused
from apps.payments.models import Beneficiary
from apps.payments.services import beneficiaries as svc
from bankcore.sca import services as sca
from tests.apps.payments.factories import EXTERNAL_IBAN, Payer, payer


def approved(p: Payer, details: dict[str, object], now: datetime, step: int = 0) -> int:
    return sca.challenge_confirm(
        user_id=p.id, action=svc.ACTION, details=details, otp_token=p.code(steps_ahead=step), now=now
    )


def add(p: Payer, now: datetime, *, name: str = "Max Mustermann", iban: str = EXTERNAL_IBAN, step: int = 0) -> int:
    details = svc.beneficiary_sca_details(op="add", name=name, iban=iban)
    challenge = approved(p, details, now, step)
    return svc.beneficiary_add(customer_id=p.id, name=name, iban=iban, nickname="Max", challenge_id=challenge, now=now)


def test_added_with_sca_screened_and_its_bic_derived(now: datetime) -> None:
    p = payer()
    beneficiary = Beneficiary.objects.get(pk=add(p, now))
    assert (beneficiary.iban, beneficiary.bic, beneficiary.trusted) == (EXTERNAL_IBAN, "COBADEFFXXX", False)
    subject = ScreenedSubject.objects.get(pk=beneficiary.screening_subject_id)
    assert (subject.kind, subject.ref) == ("beneficiary", str(beneficiary.pk))


def test_without_sca_nothing_is_saved(now: datetime) -> None:
    p = payer()
    with pytest.raises(BeneficiaryRefused) as refused:
        svc.beneficiary_add(customer_id=p.id, name="Max", iban=EXTERNAL_IBAN, challenge_id=None, now=now)
    assert refused.value.code == "sca_required"
    assert not Beneficiary.objects.exists()


def test_an_approval_for_another_iban_is_refused(now: datetime) -> None:
    p = payer()
    other = svc.beneficiary_sca_details(op="add", name="Max Mustermann", iban="NL91ABNA0417164300")
    with pytest.raises(sca.ChallengeRefused):
        svc.beneficiary_add(
            customer_id=p.id, name="Max Mustermann", iban=EXTERNAL_IBAN, challenge_id=approved(p, other, now), now=now
        )
    assert not Beneficiary.objects.exists()


@pytest.mark.parametrize(
    ("iban", "code"), [("DE89370400440532013001", "iban_checksum"), ("DE8937040044053201300", "iban_length")]
)
def test_bad_iban_refused_on_its_field(now: datetime, iban: str, code: str) -> None:
    p = payer()
    with pytest.raises(BeneficiaryRefused) as refused:
        svc.beneficiary_add(customer_id=p.id, name="Max", iban=iban, challenge_id=None, now=now)
    assert (refused.value.code, refused.value.field) == (code, "iban")


def test_the_same_iban_twice_is_refused(now: datetime) -> None:
    p = payer()
    add(p, now)
    with pytest.raises(BeneficiaryRefused) as refused:
        add(p, now, name="Max Mustermann", step=1)
    assert refused.value.code == "beneficiary_exists"


def test_trusting_needs_sca_and_a_new_name_drops_the_trust(now: datetime) -> None:
    p = payer()
    bid = add(p, now)
    with pytest.raises(BeneficiaryRefused):
        svc.beneficiary_trust_set(customer_id=p.id, beneficiary_id=bid, trusted=True, challenge_id=None, now=now)
    details = svc.beneficiary_sca_details(op="trust", name="Max Mustermann", iban=EXTERNAL_IBAN, beneficiary_id=bid)
    svc.beneficiary_trust_set(
        customer_id=p.id, beneficiary_id=bid, trusted=True, challenge_id=approved(p, details, now, 1), now=now
    )
    assert Beneficiary.objects.get(pk=bid).trusted
    # A nickname alone needs no SCA and keeps the trust.
    svc.beneficiary_change(
        customer_id=p.id, beneficiary_id=bid, name="Max Mustermann", iban=EXTERNAL_IBAN, nickname="M",
        challenge_id=None, now=now,
    )  # fmt: skip
    assert Beneficiary.objects.get(pk=bid).trusted
    changed = svc.beneficiary_sca_details(op="change", name="Max M. Mustermann", iban=EXTERNAL_IBAN, beneficiary_id=bid)
    svc.beneficiary_change(
        customer_id=p.id, beneficiary_id=bid, name="Max M. Mustermann", iban=EXTERNAL_IBAN,
        challenge_id=approved(p, changed, now, 2), now=now,
    )  # fmt: skip
    after = Beneficiary.objects.get(pk=bid)
    assert (after.name, after.trusted) == ("Max M. Mustermann", False)


def test_another_customer_cannot_touch_it(now: datetime) -> None:
    from apps.payments.errors import BeneficiaryNotFound

    owner, mallory = payer(), payer()
    bid = add(owner, now)
    with pytest.raises(BeneficiaryNotFound):
        svc.beneficiary_delete(customer_id=mallory.id, beneficiary_id=bid, now=now)
    svc.beneficiary_delete(customer_id=owner.id, beneficiary_id=bid, now=now)
    assert Beneficiary.objects.get(pk=bid).status == "deleted"
