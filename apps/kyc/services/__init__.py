"""KYC writes, one module per subdomain; every service is importable from ``apps.kyc.services``.

- ``limits``: tiers, restriction, and the limit usage every money movement counts.
- ``party``: the customer's profile and beneficial owners (validated, identifiers encrypted).
- ``cases``: the review case state machine, screening, decisions (maker-checker when high risk).
- ``access``: the log of staff access to sensitive data, and revealing an identifier.
- ``review``: periodic review and the reaction to a sanctions hit after approval.
"""

from apps.kyc.services.access import party_identifier_reveal, sensitive_access_record
from apps.kyc.services.cases import (
    APPROVE_ACTION,
    SCREEN_TASK,
    CaseDecision,
    case_approve,
    case_approve_approved,
    case_assign,
    case_open,
    case_reject,
    case_reopen,
    case_request_info,
    case_screen,
    case_submit,
    submit_check_register,
)
from apps.kyc.services.limits import (
    EUR,
    NOTIFY_KIND,
    customer_restrict,
    customer_tier_set,
    limits_check,
    limits_check_many,
    limits_record,
    limits_record_many,
    limits_release,
    tiers_defaults_ensure,
)
from apps.kyc.services.party import (
    encryption_rotate,
    encryption_rotation_register,
    owner_add,
    owner_remove,
    party_encryption_rotate,
    party_missing_fields,
    party_save,
)
from apps.kyc.services.review import on_fraud_alert_opened, reviews_due_process

__all__ = [
    "APPROVE_ACTION",
    "EUR",
    "NOTIFY_KIND",
    "SCREEN_TASK",
    "CaseDecision",
    "case_approve",
    "case_approve_approved",
    "case_assign",
    "case_open",
    "case_reject",
    "case_reopen",
    "case_request_info",
    "case_screen",
    "case_submit",
    "customer_restrict",
    "customer_tier_set",
    "encryption_rotate",
    "encryption_rotation_register",
    "limits_check",
    "limits_check_many",
    "limits_record",
    "limits_record_many",
    "limits_release",
    "on_fraud_alert_opened",
    "owner_add",
    "owner_remove",
    "party_encryption_rotate",
    "party_identifier_reveal",
    "party_missing_fields",
    "party_save",
    "reviews_due_process",
    "sensitive_access_record",
    "submit_check_register",
    "tiers_defaults_ensure",
]
