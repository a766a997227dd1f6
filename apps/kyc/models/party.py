"""Who the customer is: the party (a person, or a business and its beneficial owners).

National id and tax id are never stored in clear: ``*_encrypted`` holds a Fernet token
(``bankcore.crypto``), ``*_index`` the keyed blind index that finds the same identifier on another
party, ``*_last4`` what a masked display shows. Only ``services.party`` writes these.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class PartyKind(models.TextChoices):
    PERSON = "person", "Person"
    BUSINESS = "business", "Business"


class Occupation(models.TextChoices):
    """What the person does; the risk rating (``apps.kyc.risk``) weighs some of them."""

    EMPLOYEE = "employee", "Employee"
    SELF_EMPLOYED = "self_employed", "Self-employed"
    CIVIL_SERVANT = "civil_servant", "Civil servant"
    COMPANY_DIRECTOR = "company_director", "Company director or owner"
    STUDENT = "student", "Student"
    RETIRED = "retired", "Retired"
    UNEMPLOYED = "unemployed", "Not working"
    REAL_ESTATE = "real_estate", "Real estate"
    CASH_INTENSIVE = "cash_intensive", "Cash-intensive business (bars, car wash, retail)"
    MONEY_SERVICES = "money_services", "Money services, exchange, remittance"
    GAMBLING = "gambling", "Gambling"
    CRYPTO_ASSETS = "crypto_assets", "Crypto-asset services"
    PRECIOUS_GOODS = "precious_goods", "Precious metals, stones, art dealing"
    ARMS_DEFENCE = "arms_defence", "Arms and defence"
    OTHER = "other", "Other"


class SourceOfFunds(models.TextChoices):
    SALARY = "salary", "Salary"
    PENSION = "pension", "Pension"
    BENEFITS = "benefits", "Benefits"
    BUSINESS_INCOME = "business_income", "Business income"
    SAVINGS = "savings", "Savings"
    INVESTMENTS = "investments", "Investments"
    INHERITANCE = "inheritance", "Inheritance or gift"
    PROPERTY_SALE = "property_sale", "Sale of property"
    OTHER = "other", "Other"


class Party(models.Model):
    """One per customer: what KYC knows about them (a business's data is set when kind=business)."""

    customer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=PartyKind.choices, default=PartyKind.PERSON)
    legal_name = models.CharField(max_length=200)
    birth_date = models.DateField(null=True, blank=True)
    nationality = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    address_line = models.CharField(max_length=200, blank=True)
    address_city = models.CharField(max_length=100, blank=True)
    address_postcode = models.CharField(max_length=20, blank=True)
    address_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +4915123456789")
    tax_residence = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    tax_id_encrypted = models.TextField(blank=True)
    tax_id_index = models.CharField(max_length=64, blank=True, db_index=True)
    tax_id_last4 = models.CharField(max_length=4, blank=True)
    national_id_encrypted = models.TextField(blank=True)
    national_id_index = models.CharField(max_length=64, blank=True, db_index=True)
    national_id_last4 = models.CharField(max_length=4, blank=True)
    occupation = models.CharField(max_length=20, choices=Occupation.choices, blank=True)
    source_of_funds = models.CharField(max_length=20, choices=SourceOfFunds.choices, blank=True)
    expected_monthly_volume_minor = models.BigIntegerField(default=0, help_text="EUR cents a month, declared")
    pep = models.BooleanField(default=False, help_text="declares being (or close to) a politically exposed person")
    company_name = models.CharField(max_length=200, blank=True)
    registration_number = models.CharField(max_length=50, blank=True)
    company_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Ciphertexts stay out of the history: rotation re-encrypts the live row, and a history row
    # under a retired key could never be read again.
    history = HistoricalRecords(excluded_fields=["tax_id_encrypted", "national_id_encrypted"])

    class Meta:
        verbose_name_plural = "parties"
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_monthly_volume_minor__gte=0), name="kyc_party_volume_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind="person") | ~Q(company_name=""), name="kyc_party_business_has_company_name"
            ),
        ]

    def __str__(self) -> str:
        return self.company_name if self.kind == PartyKind.BUSINESS else self.legal_name

    @property
    def tax_id_masked(self) -> str:
        return f"•••• {self.tax_id_last4}" if self.tax_id_last4 else ""

    @property
    def national_id_masked(self) -> str:
        return f"•••• {self.national_id_last4}" if self.national_id_last4 else ""


class BeneficialOwner(models.Model):
    """A natural person who owns or controls a business customer (AMLD: more than 25 %)."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="owners")
    name = models.CharField(max_length=200)
    birth_date = models.DateField(null=True, blank=True)
    nationality = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    ownership_percent = models.DecimalField(max_digits=5, decimal_places=2)
    # The fraud app's id for this owner as a screened party (``party_screen``), once registered.
    screening_subject_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-ownership_percent", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ownership_percent__gt=0) & Q(ownership_percent__lte=100), name="kyc_owner_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ownership_percent} %)"
