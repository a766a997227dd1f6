from __future__ import annotations

from datetime import datetime

import pytest

from apps.fraud import interface, tasks
from apps.fraud.errors import FraudRefused
from apps.fraud.models import Alert, RescreenRun, ScreenedSubject
from apps.fraud.services import screening
from bankcore.events.models import OutboxEvent

pytestmark = pytest.mark.usefixtures("ofac")


def events(name: str) -> list[dict]:
    return list(OutboxEvent.objects.filter(name=name).order_by("id").values_list("payload", flat=True))


class TestCustomerScreening:
    def test_new_customer_is_screened_on_commit_and_a_hit_opens_an_alert(
        self, now: datetime, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            subject_id = interface.customer_screen(customer_id=7, name="Usama bin Ladin", now=now)
        subject = ScreenedSubject.objects.get(pk=subject_id)
        assert subject.screened_at is not None
        assert subject.best_score == 1.0
        alert = Alert.objects.get(subject=subject)
        assert (alert.kind, alert.status, alert.customer_id, alert.hold) == ("sanctions", "open", 7, "")
        assert alert.details["matches"][0]["source_id"] == 6365
        assert {"alert_id": alert.pk, "kind": "sanctions", "customer_id": 7, "payment_ref": None, "hold": False} in (
            events("fraud.alert.opened")
        )

    @pytest.mark.parametrize(
        ("values", "code"),
        [
            ({"name": "DOE\x00 John"}, "invalid_name"),
            ({"ref": "p" * 101}, "invalid_ref"),
            ({"ref": ""}, "invalid_ref"),
            ({"party_kind": "x" * 21}, "invalid_party_kind"),
            ({"birth_year": 70_000}, "invalid_birth_year"),
            ({"birth_year": -1}, "invalid_birth_year"),
        ],
    )
    def test_values_that_cannot_be_stored_are_refused_with_a_code(self, now: datetime, values: dict, code: str) -> None:
        with pytest.raises(FraudRefused) as refused:
            screening.subject_register(
                **{"kind": "counterparty", "ref": "pay:1", "name": "John Doe", **values}, now=now
            )
        assert refused.value.code == code
        assert not ScreenedSubject.objects.exists()

    def test_screening_twice_keeps_one_open_alert(self, now: datetime) -> None:
        subject_id = screening.subject_register(kind="customer", ref="8", name="Ayman al-Zawahiri", now=now)
        first = screening.subject_screen(subject_id=subject_id, now=now)
        again = screening.subject_screen(subject_id=subject_id, now=now)
        assert first.alert_id == again.alert_id
        assert Alert.objects.filter(subject_id=subject_id).count() == 1

    def test_clean_customer_opens_nothing(self, now: datetime) -> None:
        subject_id = screening.subject_register(kind="customer", ref="9", name="Emma Thompson", now=now)
        outcome = screening.subject_screen(subject_id=subject_id, now=now)
        assert outcome.matches == ()
        assert outcome.alert_id is None

    def test_a_name_is_required(self, now: datetime) -> None:
        with pytest.raises(FraudRefused) as refused:
            screening.subject_register(kind="customer", ref="1", name="  ", now=now)
        assert refused.value.code == "name_required"


class TestCounterpartyScreening:
    def test_a_hit_holds_the_payment(self, now: datetime, django_capture_on_commit_callbacks) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            interface.counterparty_screen(
                payment_ref="payment:55", customer_id=3, name="BANCO NACIONAL DE CUBA", now=now
            )
        alert = Alert.objects.get(payment_ref="payment:55")
        assert alert.hold == Alert.Hold.HELD
        opened = [e for e in events("fraud.alert.opened") if e["alert_id"] == alert.pk]
        assert opened == [
            {"alert_id": alert.pk, "kind": "sanctions", "customer_id": 3, "payment_ref": "payment:55", "hold": True}
        ]

    def test_beneficiary_is_kept_for_rescreening(self, now: datetime, django_capture_on_commit_callbacks) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            interface.beneficiary_screen(beneficiary_id=4, customer_id=3, name="Hans Meier", now=now)
        assert (
            ScreenedSubject.objects.get(kind="beneficiary", ref="4").screened_at is not None
        )  # by the task, at its own now


class TestPartyScreening:
    def test_a_beneficial_owner_is_screened_and_a_hit_names_the_business_customer(
        self, now: datetime, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            subject_id = interface.party_screen(
                ref="kyc-owner:12", customer_id=40, name="Usama bin Ladin", kind="individual", now=now
            )
        subject = ScreenedSubject.objects.get(pk=subject_id)
        assert (subject.kind, subject.ref, subject.customer_id, subject.best_score) == (
            "party",
            "kyc-owner:12",
            40,
            1.0,
        )
        alert = Alert.objects.get(subject=subject)
        assert (alert.kind, alert.customer_id, alert.hold) == ("sanctions", 40, "")
        assert "Other party (e.g. beneficial owner) 'Usama bin Ladin'" in alert.summary

    def test_the_same_ref_again_updates_the_party(self, now: datetime) -> None:
        first = interface.party_screen(ref="kyc-owner:13", customer_id=41, name="Hans Meier", now=now)
        again = interface.party_screen(ref="kyc-owner:13", customer_id=41, name="Hans Maier", country="de", now=now)
        assert again == first
        subject = ScreenedSubject.objects.get(pk=first)
        assert (subject.name, subject.country) == ("Hans Maier", "DE")

    def test_a_party_of_the_same_ref_as_a_customer_is_another_subject(self, now: datetime) -> None:
        customer = interface.customer_screen(customer_id=14, name="Hans Meier", now=now)
        assert interface.party_screen(ref="14", name="Hans Meier", now=now) != customer

    @pytest.mark.parametrize(
        ("values", "code"),
        [
            ({"name": " "}, "name_required"),
            ({"ref": ""}, "invalid_ref"),
            ({"ref": "kyc-owner:" + "9" * 100}, "invalid_ref"),
            ({"birth_year": 20_000}, "invalid_birth_year"),
        ],
    )
    def test_bad_values_are_refused_with_a_code(self, now: datetime, values: dict, code: str) -> None:
        with pytest.raises(interface.FraudRefused) as refused:
            interface.party_screen(**{"ref": "kyc-owner:1", "name": "Hans Meier", **values}, now=now)
        assert refused.value.code == code
        assert not ScreenedSubject.objects.exists()

    def test_parties_are_rescreened_when_the_list_changes(self, now: datetime) -> None:
        interface.party_screen(ref="kyc-owner:15", name="Ayman al-Zawahiri", now=now)
        screening.subject_register(kind="counterparty", ref="payment:2", name="Ayman al-Zawahiri", now=now)
        tasks.on_list_updated("event-2", {"source": "ofac", "version": interface.sanctions_list_version()})
        run = RescreenRun.objects.get()
        assert (run.status, run.processed, run.hits) == ("done", 1, 1)
        assert ScreenedSubject.objects.get(kind="party").screened_at is not None


class TestRescreen:
    @pytest.fixture
    def subjects(self, now: datetime) -> list[int]:
        names = ["Emma Thompson", "Usama bin Ladin", "Hans Meier", "Ayman al-Zawahiri", "Li Wei"]
        ids = [screening.subject_register(kind="customer", ref=f"r{i}", name=n, now=now) for i, n in enumerate(names)]
        # Payment counterparties are screened once, with their payment, not on list changes.
        screening.subject_register(kind="counterparty", ref="payment:1", name="Usama bin Ladin", now=now)
        return ids

    def test_chunked_and_resumable(self, subjects: list[int], now: datetime) -> None:
        version = interface.sanctions_list_version()
        run_id = screening.rescreen_start(list_version=version, now=now)
        assert screening.rescreen_start(list_version=version, now=now) == run_id  # one run per version
        assert screening.rescreen_continue(run_id=run_id, now=now, chunk=2) is True
        run = RescreenRun.objects.get(pk=run_id)
        assert (run.processed, run.total, run.last_subject_id) == (2, 5, subjects[1])
        # A new worker picks up where the cursor stands.
        while screening.rescreen_continue(run_id=run_id, now=now, chunk=2):
            pass
        run.refresh_from_db()
        assert (run.status, run.processed, run.hits) == ("done", 5, 2)
        assert ScreenedSubject.objects.filter(kind="customer", screened_version=version).count() == 5
        assert not ScreenedSubject.objects.get(kind="counterparty").screened_at

    def test_list_update_event_runs_the_whole_rescreen(self, subjects: list[int]) -> None:
        tasks.on_list_updated("event-1", {"source": "ofac", "version": interface.sanctions_list_version()})
        run = RescreenRun.objects.get()
        assert (run.status, run.processed, run.hits) == ("done", 5, 2)

    def test_stalled_runs_are_found(self, subjects: list[int], now: datetime) -> None:
        from datetime import timedelta

        run_id = screening.rescreen_start(list_version="v", now=now)
        assert screening.rescreen_stalled(now=now + timedelta(minutes=11)) == [run_id]
        assert screening.rescreen_stalled(now=now + timedelta(minutes=1)) == []
