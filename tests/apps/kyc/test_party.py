"""The party: validated per country, identifiers encrypted at rest and found again by blind index."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from apps.kyc import interface as kyc
from apps.kyc import selectors, services
from apps.kyc.errors import PartyInvalid
from apps.kyc.models import BeneficialOwner, Party
from bankcore import crypto
from bankcore.users.models import User
from tests.apps.kyc.conftest import NOW
from tests.apps.kyc.factories import CustomerFactory, business_data, person_data

pytestmark = pytest.mark.django_db


def refused(customer: User, data: dict[str, Any], **kwargs: Any) -> dict[str, str]:
    with pytest.raises(PartyInvalid) as caught:
        services.party_save(customer_id=customer.pk, data=data, now=NOW, **kwargs)
    assert not Party.objects.filter(customer=customer).exists(), "a refused profile stored something"
    return caught.value.errors


class TestBadInput:
    def test_a_birth_date_in_the_future(self, customer: User) -> None:
        assert refused(customer, person_data(birth_date="2027-01-01")) == {"birth_date": "lies in the future"}

    def test_under_18_by_one_day(self, customer: User) -> None:
        # NOW is 2026-11-10: born 2008-11-11 is 17 years and 364 days old.
        errors = refused(customer, person_data(birth_date="2008-11-11"))
        assert errors == {"birth_date": "you must be at least 18 years old"}

    def test_exactly_18_today_is_accepted(self, customer: User) -> None:
        services.party_save(customer_id=customer.pk, data=person_data(birth_date="2008-11-10"), now=NOW)
        assert Party.objects.get(customer=customer).birth_date.isoformat() == "2008-11-10"

    def test_not_a_date(self, customer: User) -> None:
        assert refused(customer, person_data(birth_date="12/08/1984")) == {"birth_date": "a date as YYYY-MM-DD"}

    @pytest.mark.parametrize("field", ["nationality", "address_country", "tax_residence"])
    def test_an_invalid_country_code(self, customer: User, field: str) -> None:
        errors = refused(customer, person_data(**{field: "XX"}))
        assert errors[field] == "'XX' is not an ISO 3166 country code"

    def test_a_german_tax_id_with_a_wrong_check_digit(self, customer: User) -> None:
        errors = refused(customer, person_data(tax_id="36574261808"))
        assert set(errors) == {"tax_id"}
        assert errors["tax_id"].startswith("not a valid tax id (de.idnr")

    def test_a_tax_id_is_checked_for_the_tax_residence(self, customer: User) -> None:
        # A valid Dutch BSN is not a German Steuer-IdNr; resident in NL it is fine.
        assert "tax_id" in refused(customer, person_data(tax_id="111222333"))
        services.party_save(customer_id=customer.pk, data=person_data(tax_id="111222333", tax_residence="NL"), now=NOW)

    def test_a_business_vat_number_is_checked_for_its_country(self, customer: User) -> None:
        errors = refused(customer, business_data(tax_id="DE136695977"))
        assert errors["tax_id"].startswith("not a valid tax id (de.vat")

    def test_a_country_stdnum_does_not_know_gets_a_sanity_check(self, customer: User) -> None:
        data = person_data(nationality="KE", national_id="!!")
        assert refused(customer, data)["national_id"] == "national id number must be 4 to 30 letters and digits"

    def test_missing_fields_are_all_named(self, customer: User) -> None:
        data = person_data()
        for field in ("legal_name", "birth_date", "tax_id", "occupation"):
            del data[field]
        assert set(refused(customer, data)) == {"legal_name", "birth_date", "tax_id", "occupation"}

    def test_a_business_without_a_company_name(self, customer: User) -> None:
        assert "company_name" in refused(customer, business_data(company_name=""))

    def test_other_bad_values(self, customer: User) -> None:
        errors = refused(
            customer,
            person_data(
                phone="12345", occupation="pirate", expected_monthly_volume_minor=-1, pep="yes", kind="robot", colour=1
            ),
        )
        assert set(errors) == {"phone", "occupation", "expected_monthly_volume_minor", "pep", "kind", "colour"}

    def test_a_refused_update_leaves_the_stored_profile_as_it_was(self, customer: User) -> None:
        services.party_save(customer_id=customer.pk, data=person_data(), now=NOW)
        with pytest.raises(PartyInvalid):
            services.party_save(
                customer_id=customer.pk, data={"legal_name": "New Name", "nationality": "ZZ"}, now=NOW, partial=True
            )
        assert Party.objects.get(customer=customer).legal_name == "Erika Mustermann"


class TestSaving:
    def test_values_are_stored_in_their_canonical_form(self, customer: User) -> None:
        services.party_save(
            customer_id=customer.pk, data=person_data(phone="+49 (151) 234-56789", nationality="de"), now=NOW
        )
        party = Party.objects.get(customer=customer)
        assert (party.phone, party.nationality) == ("+4915123456789", "DE")
        assert party.tax_id_masked == "•••• 1809"

    def test_the_wizard_saves_step_by_step(self, customer: User) -> None:
        services.party_save(
            customer_id=customer.pk, data={"legal_name": "Erika Mustermann", "birth_date": "1984-08-12"}, now=NOW,
            partial=True,
        )  # fmt: skip
        services.party_save(customer_id=customer.pk, data={"address_city": "Köln"}, now=NOW, partial=True)
        party = Party.objects.get(customer=customer)
        assert (party.legal_name, party.address_city) == ("Erika Mustermann", "Köln")
        assert "tax_id" in services.party_missing_fields(party=party)


class TestEncryptionAtRest:
    def test_the_raw_row_holds_no_plaintext_identifier(self, customer: User) -> None:
        party_id = services.party_save(customer_id=customer.pk, data=person_data(), now=NOW)
        table = Party._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [party_id])
            row = [str(value) for value in cursor.fetchone()]
            cursor.execute(f"SELECT * FROM {Party.history.model._meta.db_table}")  # type: ignore[attr-defined]
            history = [str(value) for values in cursor.fetchall() for value in values]
        for secret in ("36574261809", "T22000129"):
            assert not any(secret in value for value in row + history), f"{secret} stored in clear"
        party = Party.objects.get(pk=party_id)
        assert crypto.decrypt_text(party.tax_id_encrypted) == "36574261809"
        assert crypto.decrypt_text(party.national_id_encrypted) == "T22000129"

    def test_the_blind_index_finds_a_second_customer_with_the_same_national_id(self, customer: User) -> None:
        first = services.party_save(customer_id=customer.pk, data=person_data(national_id="T22000129"), now=NOW)
        other = CustomerFactory()
        # The same document number, typed differently, on someone else's profile.
        second = services.party_save(
            customer_id=other.pk,
            data=person_data(legal_name="Erika Schmidt", national_id="t22 000-129", tax_id="10002874597"),
            now=NOW,
        )
        assert [p.pk for p in selectors.party_same_identifier(party_id=second)] == [first]
        assert [p.pk for p in selectors.parties_by_identifier(kind="national_id", value="T22000129")] == [first, second]
        assert selectors.parties_by_identifier(kind="tax_id", value="T22000129") == []

    def test_rotation_re_encrypts_with_the_newest_key_and_old_values_stay_readable(
        self, customer: User, settings: Any
    ) -> None:
        old, new = crypto.generate_key(), crypto.generate_key()
        settings.FIELD_ENCRYPTION_KEYS = [old]
        party_id = services.party_save(customer_id=customer.pk, data=person_data(), now=NOW)
        before = Party.objects.get(pk=party_id).tax_id_encrypted
        settings.FIELD_ENCRYPTION_KEYS = [new, old]
        assert crypto.decrypt_text(before) == "36574261809"  # readable while the old key is listed
        assert services.encryption_rotate() == 1
        assert services.encryption_rotate() == 0  # nothing left to rotate
        settings.FIELD_ENCRYPTION_KEYS = [new]
        party = Party.objects.get(pk=party_id)
        assert party.tax_id_encrypted != before
        assert crypto.decrypt_text(party.tax_id_encrypted) == "36574261809"
        assert crypto.decrypt_text(party.national_id_encrypted) == "T22000129"
        with pytest.raises(crypto.DecryptionFailed):
            crypto.decrypt_text(before)


class TestTierOne:
    def test_a_verified_email_and_a_basic_profile_reach_tier_one(self, customer: User) -> None:
        basic = {k: person_data()[k] for k in services.party.BASIC_FIELDS}
        services.party_save(customer_id=customer.pk, data=basic, now=NOW, partial=True)
        status = kyc.customer_status(customer_id=customer.pk)
        assert (status.tier, status.restricted) == (1, False)

    def test_an_incomplete_basic_profile_stays_at_tier_zero(self, customer: User) -> None:
        basic = {k: person_data()[k] for k in services.party.BASIC_FIELDS if k != "phone"}
        services.party_save(customer_id=customer.pk, data=basic, now=NOW, partial=True)
        assert kyc.customer_status(customer_id=customer.pk).tier == 0

    def test_an_unverified_email_stays_at_tier_zero(self) -> None:
        unverified = CustomerFactory()
        services.party_save(customer_id=unverified.pk, data=person_data(), now=NOW)
        assert kyc.customer_status(customer_id=unverified.pk).tier == 0


class TestOwners:
    def test_a_business_adds_owners_within_one_hundred_percent(self, customer: User) -> None:
        services.party_save(customer_id=customer.pk, data=business_data(), now=NOW)
        services.owner_add(
            customer_id=customer.pk, name="Max Mustermann", birth_date="1970-01-01", nationality="DE",
            ownership_percent="60", now=NOW,
        )  # fmt: skip
        with pytest.raises(PartyInvalid) as caught:
            services.owner_add(
                customer_id=customer.pk, name="Eve Other", birth_date="1980-01-01", nationality="FR",
                ownership_percent="40.01", now=NOW,
            )  # fmt: skip
        assert "more than 100 %" in caught.value.errors["ownership_percent"]
        assert BeneficialOwner.objects.count() == 1

    def test_bad_owner_input_names_each_field(self, customer: User) -> None:
        services.party_save(customer_id=customer.pk, data=business_data(), now=NOW)
        with pytest.raises(PartyInvalid) as caught:
            services.owner_add(
                customer_id=customer.pk, name="", birth_date="2999-01-01", nationality="QQ", ownership_percent="0",
                now=NOW,
            )  # fmt: skip
        assert set(caught.value.errors) == {"name", "birth_date", "nationality", "ownership_percent"}

    def test_a_person_has_no_beneficial_owners(self, customer: User) -> None:
        services.party_save(customer_id=customer.pk, data=person_data(), now=NOW)
        with pytest.raises(PartyInvalid):
            services.owner_add(
                customer_id=customer.pk, name="X Y", birth_date=None, nationality="DE", ownership_percent="50", now=NOW
            )


def test_the_name_a_customer_banks_under_is_the_company_for_a_business_and_the_legal_name_for_a_person() -> None:
    person, business, unknown = CustomerFactory(), CustomerFactory(), CustomerFactory()
    services.party_save(customer_id=person.pk, data=person_data(legal_name="Erika Mustermann"), now=NOW)
    services.party_save(customer_id=business.pk, data=business_data(), now=NOW)
    names = [kyc.party_name(customer_id=c.pk) for c in (person, business, unknown)]
    assert names == ["Erika Mustermann", "Acme Handels GmbH", None]
