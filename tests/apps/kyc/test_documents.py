"""Documents through the portal and the back office: bad files store nothing, good ones are kept
encrypted and shown as clean copies, only to their owner and to KYC staff who say why."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from apps.kyc import documents
from apps.kyc import services as kyc
from apps.kyc.models import Document, SensitiveAccess
from bankcore import crypto
from bankcore.testing.access import login_verified
from bankcore.users import roles
from bankcore.users.models import User
from tests.apps.kyc import document_files as files
from tests.apps.kyc.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ID_URL = "/app/kyc/id-document/"


@pytest.fixture(autouse=True)
def store(settings: Any, tmp_path: Path) -> Path:
    settings.KYC_STORAGE_DIR = tmp_path / "kyc"
    return settings.KYC_STORAGE_DIR


def stored(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []


@pytest.fixture
def customer(now: datetime) -> User:
    user: User = CustomerFactory()
    kyc.case_open(customer_id=user.pk, now=now)
    return user


@pytest.fixture
def signed_in(client: Client, customer: User) -> Client:
    login_verified(client, customer)
    return client


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def post_id(client: Client, front: SimpleUploadedFile | None, back: SimpleUploadedFile | None) -> Any:
    data = {k: v for k, v in {"id_front": front, "id_back": back}.items() if v is not None}
    return client.post(ID_URL, data)


def staff(role: str | None, **extra: Any) -> User:
    user: User = User.objects.create_user(
        email=f"{(role or 'plain').replace(' ', '-').lower()}@bank.test", password="x-Passw0rd-123", is_staff=True
    )
    roles.roles_sync()
    if role:
        roles.user_roles_set(user_id=user.pk, roles=[role])
    return User.objects.get(pk=user.pk)  # a fresh instance: no cached permissions


class TestBadFilesStoreNothing:
    @pytest.mark.parametrize(
        ("name", "data", "content_type", "message"),
        [
            ("passport.jpg", files.PE, "image/jpeg", "is a program"),
            ("passport.jpg", files.ELF, "image/jpeg", "is a program"),
            ("passport.jpg", files.HTML, "image/jpeg", "web page"),
            ("passport.jpg", files.truncated_jpeg(), "image/jpeg", "damaged or incomplete"),
            ("passport.png", files.corrupt_png(), "image/png", "damaged or incomplete"),
            ("passport.pdf", files.pdf_with_javascript(), "application/pdf", "active content"),
        ],
        ids=["pe-as-jpg", "elf-as-jpg", "html-as-jpg", "truncated-jpeg", "corrupt-png", "pdf-javascript"],
    )
    def test_a_bad_file_is_a_form_error_and_nothing_is_kept(
        self, signed_in: Client, store: Path, name: str, data: bytes, content_type: str, message: str
    ) -> None:
        response = post_id(signed_in, upload(name, data, content_type), upload("back.jpg", files.jpeg()))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert 'class="errorlist"' in response.content.decode()
        assert Document.objects.count() == 0
        assert stored(store) == []  # the good back side is not kept either: all or nothing

    def test_an_oversized_file_is_refused_before_it_is_read(
        self, signed_in: Client, store: Path, settings: Any
    ) -> None:
        settings.KYC_UPLOAD_MAX_BYTES = 2_000
        big = files.jpeg(size=(800, 800), colour="red") + b"\0" * 3_000
        response = post_id(signed_in, upload("front.jpg", big), upload("back.jpg", files.jpeg(size=(20, 20))))
        assert "The file is too large: at most 2 kB is accepted." in response.content.decode()
        assert Document.objects.count() == 0
        assert stored(store) == []

    def test_missing_files_are_named(self, signed_in: Client, store: Path) -> None:
        response = post_id(signed_in, None, None)
        assert response.content.decode().count("This field is required.") == 2
        assert Document.objects.count() == 0

    def test_a_database_failure_after_the_files_were_written_removes_them(
        self, customer: User, store: Path, now: datetime, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        case_id = kyc.case_open(customer_id=customer.pk, now=now)

        def boom(**_: Any) -> None:
            raise RuntimeError("database went away")

        monkeypatch.setattr(Document.objects, "create", boom)
        with pytest.raises(RuntimeError):
            documents.documents_upload(
                customer_id=customer.pk, case_id=case_id, uploads_=[documents.Upload("selfie", "me.jpg", files.jpeg())],
                now=now,
            )  # fmt: skip
        assert stored(store) == []


class TestStoredDocuments:
    def test_the_original_is_encrypted_and_the_copy_is_clean(self, signed_in: Client, store: Path) -> None:
        front = files.jpeg(gps=True) + files.zip_bytes()
        back = files.png()
        response = post_id(signed_in, upload("front.jpg", front), upload("back.png", back, "image/png"))
        assert response.status_code == 302
        doc = Document.objects.get(kind="id_front")
        raw_original = (store / doc.original_blob).read_bytes()
        assert raw_original != front
        assert b"Spy Camera" not in raw_original
        assert b"PK\x03\x04" not in raw_original
        assert crypto.decrypt_bytes(raw_original) == front  # the evidence, byte for byte
        raw_copy = (store / doc.copy_blob).read_bytes()
        copy = crypto.decrypt_bytes(raw_copy)
        assert raw_copy != copy  # the copy is encrypted at rest too
        with Image.open(io.BytesIO(copy)) as image:
            assert dict(image.getexif()) == {}
        assert copy.endswith(b"\xff\xd9")
        assert doc.media_type == "image/jpeg"
        assert Document.objects.get(kind="id_back").media_type == "image/png"
        # outside anything served publicly
        for path in stored(store):
            assert not {"media", "static", "staticfiles"} & set(path.parts)

    def test_the_owner_sees_the_clean_copy_with_safe_headers(self, signed_in: Client) -> None:
        post_id(signed_in, upload("front.jpg", files.jpeg(gps=True)), upload("back.jpg", files.jpeg()))
        doc = Document.objects.get(kind="id_front")
        response = signed_in.get(f"/app/kyc/documents/{doc.pk}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline; filename=")
        assert "default-src 'none'" in response["Content-Security-Policy"]
        assert "sandbox" in response["Content-Security-Policy"]
        assert b"Spy Camera" not in response.content

    def test_a_second_upload_replaces_the_first_which_stays_as_evidence(self, signed_in: Client) -> None:
        post_id(signed_in, upload("a.jpg", files.jpeg()), upload("b.jpg", files.jpeg()))
        signed_in.post("/app/kyc/selfie/", {"selfie": upload("me.jpg", files.jpeg())})
        signed_in.post("/app/kyc/selfie/", {"selfie": upload("me2.jpg", files.jpeg(colour="green"))})
        selfies = Document.objects.filter(kind="selfie")
        assert selfies.count() == 2
        assert selfies.filter(superseded_at__isnull=True).count() == 1

    def test_documents_missing_lists_what_a_submission_needs(self, customer: User, now: datetime) -> None:
        case_id = kyc.case_open(customer_id=customer.pk, now=now)
        assert documents.documents_missing(case_id=case_id) == ["id_front", "id_back", "selfie"]
        documents.documents_upload(
            customer_id=customer.pk, case_id=case_id, uploads_=[documents.Upload("selfie", "me.jpg", files.jpeg())],
            now=now,
        )  # fmt: skip
        assert documents.documents_missing(case_id=case_id) == ["id_front", "id_back"]


class TestOnlyTheOwner:
    def test_another_customer_gets_404_on_every_document_id(self, signed_in: Client, customer: User) -> None:
        post_id(signed_in, upload("a.jpg", files.jpeg()), upload("b.jpg", files.jpeg()))
        ids = list(Document.objects.values_list("pk", flat=True))
        other = Client()
        login_verified(other, CustomerFactory())
        for document_id in range(1, max(ids) + 5):  # the real ones and guessed ones alike
            assert other.get(f"/app/kyc/documents/{document_id}/").status_code == 404
        for document_id in ids:
            assert signed_in.get(f"/app/kyc/documents/{document_id}/").status_code == 200

    def test_anonymous_is_sent_to_sign_in(self, client: Client, signed_in: Client) -> None:
        post_id(signed_in, upload("a.jpg", files.jpeg()), upload("b.jpg", files.jpeg()))
        doc = Document.objects.first()
        assert doc is not None
        anonymous = Client()
        response = anonymous.get(f"/app/kyc/documents/{doc.pk}/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_a_customer_cannot_use_the_back_office_view(self, signed_in: Client) -> None:
        post_id(signed_in, upload("a.jpg", files.jpeg()), upload("b.jpg", files.jpeg()))
        doc = Document.objects.get(kind="id_front")
        response = signed_in.post(f"/admin/kyc/document/{doc.pk}/view/", {"reason": "curious"})
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
        assert not SensitiveAccess.objects.exists()


@pytest.fixture
def document(signed_in: Client) -> Document:
    post_id(signed_in, upload("a.jpg", files.jpeg(gps=True)), upload("b.jpg", files.jpeg()))
    return Document.objects.get(kind="id_front")


class TestStaffView:
    def test_staff_without_the_kyc_role_are_refused(self, document: Document) -> None:
        support = Client()
        login_verified(support, staff(roles.SUPPORT_AGENT))
        assert support.get(f"/admin/kyc/document/{document.pk}/view/").status_code == 403
        assert support.post(f"/admin/kyc/document/{document.pk}/view/", {"reason": "x"}).status_code == 403
        assert support.get(f"/admin/kyc/document/{document.pk}/change/").status_code == 403
        assert not SensitiveAccess.objects.exists()

    def test_an_officer_is_asked_why_before_anything_is_shown(self, document: Document) -> None:
        officer = Client()
        login_verified(officer, staff(roles.KYC_OFFICER))
        page = officer.get(f"/admin/kyc/document/{document.pk}/view/")
        assert page.status_code == 200
        assert "Why do you need to see this document?" in page.content.decode()
        assert "grant=" not in page.content.decode()
        empty = officer.post(f"/admin/kyc/document/{document.pk}/view/", {"reason": "   "})
        assert "grant=" not in empty.content.decode()
        assert not SensitiveAccess.objects.exists()
        no_grant = officer.get(f"/admin/kyc/document/{document.pk}/file/copy/")
        assert no_grant.status_code == 302  # back to the reason form

    def test_an_officers_view_is_logged_with_the_reason(self, document: Document) -> None:
        kim = staff(roles.KYC_OFFICER)
        officer = Client()
        login_verified(officer, kim)
        page = officer.post(f"/admin/kyc/document/{document.pk}/view/", {"reason": "reviewing case: ID legible?"})
        access = SensitiveAccess.objects.get()
        assert (access.staff_id, access.subject, access.object_id) == (kim.pk, "document", document.pk)
        assert access.reason == "reviewing case: ID legible?"
        html = page.content.decode()
        copy_url = (
            html.split('id="kyc-document-image" class="kyc-document" src="')[1].split('"')[0].replace("&amp;", "&")
        )
        image = officer.get(copy_url)
        assert image.status_code == 200
        assert image["Content-Type"] == "image/jpeg"
        assert b"Spy Camera" not in image.content
        original_url = html.split("Download the original")[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
        original = officer.get(original_url)
        assert original["Content-Disposition"].startswith("attachment;")
        assert b"Spy Camera" in original.content  # the evidence as uploaded

        # the grant is this officer's, for this document only
        other_officer = Client()
        login_verified(other_officer, User.objects.create_user(email="k2@bank.test", password="x", is_staff=True))
        roles.user_roles_set(user_id=User.objects.get(email="k2@bank.test").pk, roles=[roles.KYC_OFFICER])
        assert other_officer.get(copy_url).status_code == 302
        back = Document.objects.get(kind="id_back")
        assert officer.get(copy_url.replace(f"/{document.pk}/", f"/{back.pk}/")).status_code == 302
        assert officer.get(copy_url + "x").status_code == 302


class TestKeyRotation:
    def test_rotating_the_keys_re_encrypts_both_files_and_they_still_read(
        self, customer: User, store: Path, now: datetime, settings: Any
    ) -> None:
        old_key, new_key = crypto.generate_key(), crypto.generate_key()
        settings.FIELD_ENCRYPTION_KEYS = [old_key]
        case_id = kyc.case_open(customer_id=customer.pk, now=now)
        original = files.jpeg(gps=True)
        (document_id,) = documents.documents_upload(
            customer_id=customer.pk, case_id=case_id, uploads_=[documents.Upload("selfie", "me.jpg", original)],
            now=now,
        )  # fmt: skip
        before = Document.objects.get(pk=document_id)
        settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
        assert kyc.encryption_rotate(batch=1) >= 1
        after = Document.objects.get(pk=document_id)
        assert {after.original_blob, after.copy_blob}.isdisjoint({before.original_blob, before.copy_blob})
        assert not (store / before.original_blob).exists()
        settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone: everything must still read
        assert crypto.decrypt_bytes((store / after.original_blob).read_bytes()) == original
        copy = documents.document_copy_for_owner(customer_id=customer.pk, document_id=document_id)
        assert copy.media_type == "image/jpeg"
        assert kyc.encryption_rotate(batch=10) == 0  # nothing left to do
