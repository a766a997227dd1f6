"""The one rule for what a partner may see, asked by every context's API (and by webhook delivery).

A partner sees an object when either

1. the object is its **acting-for** customer's own (``PartnerGrant.acting_for``): that customer's
   accounts, balances, transactions, payments and wallets, every kind; or
2. a **consent** of that partner covers it, and the consent is usable now (status ``valid``, its
   ``valid_until`` not passed):
   - ``accounts``: an account-access consent of that customer listing the account;
   - ``balances`` / ``transactions``: such a consent that also grants balances / transactions;
   - ``payments``: a single-payment consent of that customer approved for that source account
     (the payments context further shows such a partner only the payments carrying its consent);
   - ``wallets``: never through a consent (no consent kind opens wallets).

Everything else does not exist for the partner: the API answers 404, never 403, so ids cannot be
probed. A question with ``account_id=None`` (an object of the customer that is no account's) is
answered by rule 1 only. Scopes are a separate, earlier gate (``PartnerHasScopes``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bankcore.api.consents import ACCESS_KINDS, bank_day
from bankcore.api.models import Consent, PartnerGrant


@dataclass(frozen=True)
class PartnerRef:
    application_id: int
    name: str
    client_id: str
    scopes: tuple[str, ...]
    acting_for_id: int | None


@dataclass(frozen=True)
class PartnerVisibility:
    """Everything a partner may see right now: its acting-for customer, and accounts opened by consents.

    ``consented`` maps account id → (customer id, the access kinds opened, the consent ids).
    """

    application_id: int
    acting_for_id: int | None
    consented: Mapping[int, ConsentedAccount] = field(default_factory=dict)

    def account_ids(self, *, access: str) -> frozenset[int]:
        """Accounts opened to the partner by consents for ``access`` (not the acting-for ones)."""
        return frozenset(a for a, opened in self.consented.items() if access in opened.access)


@dataclass(frozen=True)
class ConsentedAccount:
    customer_id: int
    access: frozenset[str]
    consent_ids: tuple[int, ...]


def partner_get(*, application_id: int) -> PartnerRef | None:
    """The partner registered on this OAuth2 application, or None (not a partner)."""
    grant = PartnerGrant.objects.select_related("application").filter(application_id=application_id).first()
    if grant is None:
        return None
    return PartnerRef(
        application_id=application_id,
        name=grant.application.name,
        client_id=grant.application.client_id,
        scopes=tuple(grant.scope_list),
        acting_for_id=grant.acting_for_id,
    )


def partner_acting_for(*, application_id: int) -> int | None:
    """The business customer the partner acts for, or None."""
    return PartnerGrant.objects.filter(application_id=application_id).values_list("acting_for_id", flat=True).first()


def _usable(application_id: int, customer_id: int | None, *, now: datetime) -> list[Consent]:
    qs = Consent.objects.filter(
        application_id=application_id, status=Consent.Status.VALID, valid_until__gte=bank_day(now)
    )
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return list(qs)


def _opens(consent: Consent, *, account_id: int, access: str) -> bool:
    if consent.kind == Consent.Kind.PAYMENT:
        return access == "payments" and consent.source_account_id in (None, account_id)
    if account_id not in consent.account_ids:
        return False
    return (
        access == "accounts"
        or (access == "balances" and consent.balances)
        or (access == "transactions" and consent.transactions)
    )


def partner_consent_covering(
    *, application_id: int, customer_id: int, account_id: int, access: str, now: datetime
) -> int | None:
    """The id of a usable consent of the partner that opens ``access`` on the account, or None.

    For the access counter (``consent_access_record``) after ``partner_may_see`` said yes by consent.
    """
    for consent in _usable(application_id, customer_id, now=now):
        if _opens(consent, account_id=account_id, access=access):
            return consent.pk
    return None


def partner_may_see(
    *, application_id: int, customer_id: int, account_id: int | None, access: str, now: datetime
) -> bool:
    """Whether the partner may see ``access`` of the customer's account (or object): the rule above.

    ``access`` is one of "accounts", "balances", "transactions", "payments", "wallets";
    ``customer_id`` is the object's owner and ``account_id`` its account (None: not an account's).
    """
    if access not in ACCESS_KINDS:
        raise ValueError(f"unknown access kind {access!r}")
    if partner_acting_for(application_id=application_id) == customer_id:
        return True
    if account_id is None or access == "wallets":
        return False
    return (
        partner_consent_covering(
            application_id=application_id, customer_id=customer_id, account_id=account_id, access=access, now=now
        )
        is not None
    )


def partner_visibility(*, application_id: int, now: datetime) -> PartnerVisibility:
    """All the partner may see now, for list endpoints: filter by acting-for customer and these accounts."""
    opened: dict[int, tuple[int, set[str], list[int]]] = {}
    for consent in _usable(application_id, None, now=now):
        if consent.kind == Consent.Kind.PAYMENT:
            accounts = [consent.source_account_id] if consent.source_account_id is not None else []
        else:
            accounts = list(consent.account_ids)
        for account_id in accounts:
            kinds = {k for k in ACCESS_KINDS if _opens(consent, account_id=account_id, access=k)}
            customer, have, ids = opened.setdefault(account_id, (consent.customer_id, set(), []))
            if customer != consent.customer_id:
                continue  # an account is one customer's; a consent naming another's is ignored
            have |= kinds
            ids.append(consent.pk)
    return PartnerVisibility(
        application_id=application_id,
        acting_for_id=partner_acting_for(application_id=application_id),
        consented={
            a: ConsentedAccount(customer_id=c, access=frozenset(k), consent_ids=tuple(i))
            for a, (c, k, i) in opened.items()
        },
    )


def partner_acts_for(*, application_id: int, customer_id: int) -> bool:
    """Whether the partner acts for this customer: the ``secure_corporate`` flag of an SCA exemption.

    Payments and wallets ask this rather than trusting a flag: only then is a payment from the
    customer's accounts by this partner a secure corporate process (RTS art. 17).
    """
    return partner_acting_for(application_id=application_id) == customer_id


def partner_may_see_payment(*, application_id: int, customer_id: int, payment_ref: str) -> bool:
    """Whether the partner may see this payment of ``customer_id``: the rule above, for one payment.

    The acting-for customer's payments, every one; otherwise only the payment the partner made with
    one of its single-payment consents of that customer (``payment_ref``, as the consent recorded it
    when spent). The consent is ``expired`` once spent, yet the partner keeps seeing its payment to
    the end (settled, rejected, returned): a used consent opens that payment and nothing else.
    """
    if partner_acting_for(application_id=application_id) == customer_id:
        return True
    if not payment_ref:
        return False
    return Consent.objects.filter(
        application_id=application_id,
        customer_id=customer_id,
        kind=Consent.Kind.PAYMENT,
        payment_ref=payment_ref,
        used_at__isnull=False,
    ).exists()
