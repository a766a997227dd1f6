"""The bank's one user model: customers and staff alike log in with their e-mail address."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("an e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the back office.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("email",)
        permissions = [("enrol_user", "Can issue a staff member a second-factor enrolment token")]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class AuditEvent(models.Model):
    """One security-relevant event, append-only; the auditor role reads these.

    ``email`` keeps the address typed at a failed login even when no such user exists.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Failed login"
        LOGOUT = "logout", "Logged out"
        LOCKED_OUT = "locked_out", "Locked out"
        OTP_VERIFIED = "otp_verified", "Second factor verified"
        OTP_FAILED = "otp_failed", "Sign-in code refused"
        DEVICE_ADDED = "device_added", "2FA device added"
        DEVICE_REMOVED = "device_removed", "2FA device removed"
        ENROLMENT_TOKEN_ISSUED = "enrolment_token_issued", "Enrolment token issued"
        BACKUP_CODES = "backup_codes", "Backup codes generated"
        SESSIONS_REVOKED = "sessions_revoked", "Signed out everywhere"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        EMAIL_CHANGED = "email_changed", "E-mail changed"
        SCA_APPROVED = "sca_approved", "Challenge approved"
        SCA_REFUSED = "sca_refused", "Challenge refused"
        APPROVAL_REQUESTED = "approval_requested", "Approval requested"
        APPROVAL_APPROVED = "approval_approved", "Approval granted"
        APPROVAL_REJECTED = "approval_rejected", "Approval rejected"

    kind = models.CharField(max_length=40, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events")
    email = models.CharField(max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["user", "-at"], name="audit_user_recent")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.email}"


class UserSession(models.Model):
    """A signed-in browser session, so a user can see where they are signed in and end them all.

    The session itself lives in Django's session store; this row only indexes it by user.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tracked_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class EnrolmentToken(models.Model):
    """A one-time permission, issued by an administrator, for a staff member to enrol a second factor.

    Staff devices are provisioned out of band: the password alone never makes one. Only the
    SHA-256 of the token is kept; the token itself is shown once, to the one who issued it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    # Empty when issued by ``manage.py staff_enrolment_token`` (the first administrator's bootstrap).
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")), name="enrolment_expires"),
            models.CheckConstraint(
                condition=models.Q(issued_by__isnull=True) | ~models.Q(issued_by=models.F("user")),
                name="enrolment_issued_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} for {self.user_id}"
