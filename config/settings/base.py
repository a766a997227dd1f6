"""Settings shared by every environment. Environment-specific files override a few names."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import django_stubs_ext
from celery.schedules import crontab
from kombu import Queue

from config.settings.env import boolean, database, env, fail, integer, networks, redis_url

# Lets generic admin and queryset classes be subscripted at run time, as the type checker wants.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-key-change-me-0123456789-abcdefghijklmnop")
DEBUG = boolean("DEBUG", False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    # the admin, behind django-otp: staff need a verified second factor (bankcore.users.admin_site)
    "bankcore.users.admin_config.BankAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "csp",
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "oauth2_provider",
    # shared kernel
    "bankcore.users",
    "bankcore.approvals",
    "bankcore.sca",
    "bankcore.ledger",
    "bankcore.events",
    "bankcore.fx",
    "bankcore.notifications",
    "bankcore.observability",
    "bankcore.api",
    # bounded contexts
    "apps.accounts",
    "apps.wallets",
    "apps.payments",
    "apps.kyc",
    "apps.fraud",
    "apps.reporting",
]

MIDDLEWARE = [
    "bankcore.observability.middleware.RequestIdMiddleware",
    "bankcore.http.NoStoreMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "bankcore.users.middleware.SecondFactorMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # last, as django-axes asks: it turns a lockout flagged during authentication into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {"default": database(str(BASE_DIR / "db.sqlite3"))}
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# The login role the application connects as, when it is not the role that migrates (it should
# not be: docs/SECURITY.md). Every migrate then re-grants it its rights (`manage.py db_app_role`).
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    # first: refuses any authentication while the account or the IP is locked out
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
# Booking days, cut-offs, month ends and the KYC limits' day and month windows are this zone's;
# stored moments stay UTC (DESIGN.md §7).
BANK_TIME_ZONE = env.str("BANK_TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = BASE_DIR / "media"

# --- the client's address behind a reverse proxy ------------------------------------------------
# Off by default: X-Forwarded-For is believed only from proxies named here (addresses or
# networks), or from the last TRUSTED_PROXY_COUNT hops. bankcore.http.client_ip reads them for
# lockouts, logs, throttling and /metrics alike.
TRUSTED_PROXIES = networks("TRUSTED_PROXIES")
TRUSTED_PROXY_COUNT = integer("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    fail("TRUSTED_PROXY_COUNT", "must be 0 or more")
if TRUSTED_PROXIES and TRUSTED_PROXY_COUNT:
    fail("TRUSTED_PROXY_COUNT", "set TRUSTED_PROXIES or TRUSTED_PROXY_COUNT, not both")

# --- cache and broker --------------------------------------------------------------------------
REDIS_URL = redis_url()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs must fail fast (a 503 with Retry-After), not hold every worker.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (DESIGN.md §4) ----------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker every task runs inline: the embedded default needs no services.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "settlement", "screening", "webhooks", "reports")]
# A task not acknowledged within this window is redelivered; no ETA may exceed it (long waits
# are database rows a beat task picks up).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {"task": "bankcore.events.tasks.outbox_relay", "schedule": 5.0},
    "expire-holds": {"task": "bankcore.ledger.tasks.holds_expire", "schedule": crontab(minute="*")},
    "fraud-rescreen-resume": {"task": "apps.fraud.tasks.rescreen_resume", "schedule": crontab(minute="*/5")},
    "fraud-buckets-prune": {"task": "apps.fraud.tasks.buckets_prune", "schedule": crontab(minute=17, hour=3)},
    "idempotency-purge": {
        "task": "bankcore.api.tasks.idempotency_records_purge",
        "schedule": crontab(minute=23, hour=3),
    },
    # --- kyc ---
    "kyc-reviews-due": {"task": "apps.kyc.tasks.reviews_due", "schedule": crontab(minute=41, hour=2)},
    "kyc-screening-resume": {"task": "apps.kyc.tasks.screening_resume", "schedule": crontab(minute="*/5")},
    # --- end kyc ---
}
CELERY_TIMEZONE = TIME_ZONE
# --- kernel: partner consents ---
CELERY_BEAT_SCHEDULE["consents-expire"] = {
    "task": "bankcore.api.tasks.consents_expire",
    "schedule": crontab(minute="*/10"),
}
CELERY_BEAT_SCHEDULE["webhook-deliveries"] = {"task": "bankcore.api.tasks.webhook_deliveries_send", "schedule": 10.0}
# Webhook URLs may point at private or loopback addresses (dev, tests); prod refuses them.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=True)
# --- end kernel ---

# --- fraud and AML (apps/fraud/conf.py lists every setting and its default) ---------------------
# A name alerts from this similarity (0..1): chosen from measured recall and false positives,
# see docs/BENCHMARKS.md "Fraud and AML".
SANCTIONS_MATCH_THRESHOLD = env.float("SANCTIONS_MATCH_THRESHOLD", default=0.84)

# --- kyc: field encryption and blind indexes (bankcore/crypto.py) -------------------------------
# Fernet keys, newest first: the first encrypts, all decrypt (rotation: docs/KYC.md). Empty in dev
# and tests: bankcore.crypto then derives keys from SECRET_KEY; production refuses to start so.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
# HMAC key of the blind indexes that find an identifier again; separate from the encryption keys.
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="")
# Days after the review date before an un-reviewed customer is restricted.
KYC_REVIEW_GRACE_DAYS = integer("KYC_REVIEW_GRACE_DAYS", 30)

# --- kycdocs: identity documents (apps/kyc/documents.py; docs/KYC.md "Documents") --------------
# Originals (encrypted) and their clean copies live here, outside MEDIA_ROOT and STATIC_ROOT:
# nothing serves this folder; only the access-checked views read it.
KYC_STORAGE_DIR = Path(env.str("KYC_STORAGE_DIR", default=str(BASE_DIR / "var" / "kyc")))
KYC_UPLOAD_MAX_BYTES = integer("KYC_UPLOAD_MAX_BYTES", 10 * 1000 * 1000)
KYC_UPLOAD_MAX_PIXELS = integer("KYC_UPLOAD_MAX_PIXELS", 40 * 1000 * 1000)  # decompression bombs stop here
KYC_UPLOAD_MAX_PDF_PAGES = integer("KYC_UPLOAD_MAX_PDF_PAGES", 10)
# A staff member's reasoned view of a document opens it for this long (each view is logged).
KYC_DOCUMENT_GRANT_SECONDS = integer("KYC_DOCUMENT_GRANT_SECONDS", 300)
# --- payments ----------------------------------------------------------------------------------
# Verification of payee for other banks' IBANs: the payee bank's responder (outside prod, the
# clearing simulator's endpoint). An answer that does not come within the timeout is NOAP.
CLEARING_VOP_URL = env.str("CLEARING_VOP_URL", default="http://127.0.0.1:8000/simulators/clearing/vop/")
CLEARING_VOP_TIMEOUT_SECONDS = env.float("CLEARING_VOP_TIMEOUT_SECONDS", default=3.0)
# The simulators' URLs (VoP) are mounted only where this is true; production sets it false.
SIMULATORS_MOUNTED = boolean("SIMULATORS_MOUNTED", True)
CELERY_BEAT_SCHEDULE["payments-scheduled-run"] = {
    "task": "apps.payments.tasks.payments_scheduled_run",
    "schedule": crontab(minute="*/10"),
}
# --- end payments -------------------------------------------------------------------------------

# --- clearing (settlement over ISO 20022 files, docs/CLEARING.md) ------------------------------
# The bank's boundary with the clearing house (DESIGN.md §5): outbox/, inbox/, processed/, rejected/.
CLEARING_DIR = Path(env.str("CLEARING_DIR", default=str(BASE_DIR / "var" / "clearing")))
# Local times (BANK_TIME_ZONE) of the day's SEPA cut-offs: after the last, files settle next business day.
SETTLEMENT_CUT_OFFS = env.list("SETTLEMENT_CUT_OFFS", default=["10:00", "15:00"])
SETTLEMENT_FILE_MAX_TRANSACTIONS = integer("SETTLEMENT_FILE_MAX_TRANSACTIONS", 10_000)
CELERY_IMPORTS = [*globals().get("CELERY_IMPORTS", []), "apps.payments.clearing_tasks"]
# A payment held for fraud review keeps its hold while the case is open (docs/PAYMENTS.md).
CELERY_BEAT_SCHEDULE["payments-review-holds-extend"] = {
    "task": "apps.payments.tasks.review_holds_extend",
    "schedule": crontab(minute=23, hour=3),
}
CELERY_BEAT_SCHEDULE["settlement-cycle"] = {
    "task": "apps.payments.clearing_tasks.settlement_cycle",
    "schedule": crontab(minute="*/5"),
}
# Instant payments are sent the moment they are accepted; this catches any whose sending failed.
CELERY_BEAT_SCHEDULE["settlement-instant-sweep"] = {
    "task": "apps.payments.clearing_tasks.instant_sweep",
    "schedule": 5.0,
}
CELERY_BEAT_SCHEDULE["clearing-simulate"] = {"task": "apps.payments.clearing_tasks.clearing_simulate", "schedule": 30.0}
CELERY_BEAT_SCHEDULE["clearing-ingest"] = {"task": "apps.payments.clearing_tasks.clearing_ingest", "schedule": 30.0}
# A SEPA payment still unanswered this many TARGET business days after its settlement day goes to exceptions.
PAYMENTS_SUBMITTED_CHASE_DAYS = integer("PAYMENTS_SUBMITTED_CHASE_DAYS", 2)
CELERY_BEAT_SCHEDULE["settlement-unanswered-chase"] = {
    "task": "apps.payments.clearing_tasks.submitted_unanswered_chase",
    "schedule": crontab(minute=15, hour=7),
}
# --- end clearing -------------------------------------------------------------------------------

# --- REST API -----------------------------------------------------------------------------------
# An Idempotency-Key's first answer is replayed for this long, then purged; the services behind
# the API stay idempotent on the same keys after that (a late retry is refused or matched there).
IDEMPOTENCY_RETENTION = timedelta(days=integer("IDEMPOTENCY_RETENTION_DAYS", 30))
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "bankcore.api.schema.PartnerAutoSchema",
    "EXCEPTION_HANDLER": "bankcore.api.errors.problem_exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "bankcore.api.authentication.PartnerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "COERCE_DECIMAL_TO_STRING": True,
    # JSON in, JSON out: any other body is a 415, any other Accept a 406 (no browsable pages).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Accept: application/problem+json is served JSON too (errors are problem+json, the rest JSON).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "bankcore.api.negotiation.ProblemAwareNegotiation",
    # Counted per real client address (bankcore.http.client_ip), never per forged header.
    "DEFAULT_THROTTLE_CLASSES": [
        "bankcore.api.throttling.AnonRateThrottle",
        "bankcore.api.throttling.UserRateThrottle",
    ],
}
# Requests per client and period ("120/min"); read at each request, so a change needs no restart
# of the throttle classes (DRF's own read theirs once at import).
API_THROTTLE_RATES = {
    "anon": env.str("API_THROTTLE_ANON", default="120/min"),
    "user": env.str("API_THROTTLE_USER", default="6000/min"),
}
# Partners authenticate with OAuth2 client credentials at /o/token/. A partner may ask only for
# the scopes granted to it (bankcore.api.models.PartnerGrant); secrets are stored hashed.
OAUTH2_PROVIDER = {
    "SCOPES": {
        "accounts:read": "Read the accounts, balances and statements the customer consented to",
        "payments:read": "Read payments",
        "payments:write": "Initiate payments",
        "wallets:read": "Read wallets",
        "wallets:write": "Top up wallets and transfer between them",
        "kyc:write": "Submit onboarding data and documents",
        "screening:read": "Screen names against the sanctions lists",
        "webhooks:manage": "Register and rotate webhook endpoints",
    },
    "DEFAULT_SCOPES": [],
    "SCOPES_BACKEND_CLASS": "bankcore.api.scopes.PartnerScopes",
    "OAUTH2_VALIDATOR_CLASS": "bankcore.api.oauth_validator.PartnerOAuth2Validator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": integer("OAUTH2_ACCESS_TOKEN_SECONDS", 3600),
    # The OAuth 2.0 Security BCP (RFC 9700) throughout: tokens stored hashed, tokens only in
    # the Authorization header, no implicit or password grant, https redirect URIs only.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# Named so that our own migrations can depend on the (default) application model.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
SPECTACULAR_SETTINGS = {
    "TITLE": "bankcore partner API",
    "DESCRIPTION": (
        "Accounts, wallets and payments for partners. Amounts are decimal strings plus an ISO 4217 currency."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # --- partner API conventions (docs/PARTNER_API.md "Conventions") ---
    "OAS_VERSION": "3.1.0",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "OAUTH2_FLOWS": ["clientCredentials"],
    "OAUTH2_TOKEN_URL": "/o/token/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "bankcore.api.schema.partner_api_postprocess",
    ],
    # --- end partner API conventions ---
}

# --- security headers ---------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = integer("SESSION_COOKIE_AGE", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # sliding idle timeout

# --- identity: allauth (e-mail login), django-otp (second factor), django-axes (lockout) ---------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/app/"
ACCOUNT_ADAPTER = "bankcore.users.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True  # one address; a new one replaces the old only once verified
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a link preview must not confirm an address
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_SESSION_REMEMBER = False  # the idle timeout below always applies
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[bankcore] "
# django-axes is the one login lockout, for the portal and the admin alike; allauth keeps its other limits.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
ACCOUNT_FORMS = {"add_email": "bankcore.users.forms.ChangeEmailForm"}
OTP_TOTP_ISSUER = "bankcore"
AXES_FAILURE_LIMIT = integer("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=integer("AXES_COOLOFF_MINUTES", 15))
# Locked per account and, separately, per IP address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "bankcore.users.lockout.username_from"
AXES_LOCKOUT_CALLABLE = "bankcore.users.lockout.lockout_response"
AXES_VERBOSE = False
# The real client behind a trusted proxy, else the connection (never a header anyone can write).
AXES_CLIENT_IP_CALLABLE = "bankcore.http.client_ip"

# `seed_demo` and `demo_otp_code`: demo logins have a public password and a computable TOTP key.
DEMO_DATA_ALLOWED = boolean("DEMO_DATA_ALLOWED", True)

# /metrics: with a token only bearers of it may scrape; without one, loopback and private
# addresses may (and everyone when METRICS_PUBLIC is true, never in production).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_PUBLIC = boolean("METRICS_PUBLIC", False)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="bank@bankcore.localhost")

# --- logging: JSON lines through structlog, one request id per request -------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "bankcore.observability.logging.json_formatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
        # Subsetting the statement font logs dozens of INFO lines per PDF.
        "fontTools": {"level": "WARNING"},
    },
}

# --- wallets ---
# The bank's margin on FX between a customer's wallets, each side of the reference mid (basis points).
WALLETS_FX_SPREAD_BPS = integer("WALLETS_FX_SPREAD_BPS", 50)
# HMAC key of receive-by-QR payloads; empty: derived from SECRET_KEY.
WALLETS_QR_KEY = env.str("WALLETS_QR_KEY", default="")
# Where the acquirer reaches the bank (webhooks) and sends customers back after the card page.
BANK_BASE_URL = env.str("BANK_BASE_URL", default="http://127.0.0.1:8000")
# The card acquirer: its API, the key the bank calls it with, the secret its webhooks are signed with.
ACQUIRER_BASE_URL = env.str("ACQUIRER_BASE_URL", default="http://127.0.0.1:8000/sim/acquirer")
ACQUIRER_API_KEY = env.str("ACQUIRER_API_KEY", default="sk_test_bankcore_acquirer")
ACQUIRER_WEBHOOK_SECRET = env.str("ACQUIRER_WEBHOOK_SECRET", default="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
# The acquirer simulator (simulators/acquirer/) and its records; production never mounts it.
ACQUIRER_SIMULATOR_MOUNTED = boolean("ACQUIRER_SIMULATOR_MOUNTED", True)
ACQUIRER_DIR = env.str("ACQUIRER_DIR", default=str(BASE_DIR / "var" / "acquirer"))
CELERY_BEAT_SCHEDULE["wallets-requests-expire"] = {
    "task": "apps.wallets.tasks.requests_expire",
    "schedule": crontab(minute="*/15"),
}
# A transfer held for fraud review keeps its hold while the case is open (docs/WALLETS.md).
CELERY_BEAT_SCHEDULE["wallets-review-holds-extend"] = {
    "task": "apps.wallets.tasks.review_holds_extend",
    "schedule": crontab(minute=17, hour=3),
}
# --- end wallets ---

# --- accounts -----------------------------------------------------------------------------------
# The bank's identity in its IBANs: country, national bank code and BIC (docs/ACCOUNTS.md). The
# default is a German IBAN (DEkk BBBB BBBB CCCC CCCC CC) under a bank code no real bank uses.
BANK_COUNTRY = env.str("BANK_COUNTRY", default="DE")
BANK_CODE = env.str("BANK_CODE", default="10020030")
BANK_BIC = env.str("BANK_BIC", default="BCORDEB1XXX")
BANK_NAME = env.str("BANK_NAME", default="bankcore Bank")
# The product the first current account opens as when a KYC case is approved, and its currency.
ACCOUNTS_FIRST_PRODUCT = env.str("ACCOUNTS_FIRST_PRODUCT", default="current")
ACCOUNTS_FIRST_BUSINESS_PRODUCT = env.str("ACCOUNTS_FIRST_BUSINESS_PRODUCT", default="business-current")
ACCOUNTS_FIRST_CURRENCY = env.str("ACCOUNTS_FIRST_CURRENCY", default="EUR")
# --- end accounts -------------------------------------------------------------------------------

# --- statements, interest and fees (docs/ACCOUNTS.md "Statements, interest and fees") ---------------
# Rendered statements are kept here, outside every public path; only the access-checked download
# view reads them.
STATEMENTS_DIR = Path(env.str("STATEMENTS_DIR", default=str(BASE_DIR / "var" / "statements")))
# The bank's postal address on its statements, lines separated by commas.
BANK_ADDRESS = env.list("BANK_ADDRESS", default=["Musterstrasse 1", "10115 Berlin", "Germany"])
CELERY_BEAT_SCHEDULE.update(
    {
        # UTC times; each task works out the bank day (BANK_TIME_ZONE) that has ended and is idempotent.
        "accounts-interest-daily": {
            "task": "apps.accounts.statements.tasks.interest_daily",
            "schedule": crontab(minute=15, hour="0,6"),
        },
        "accounts-statements-monthly": {
            "task": "apps.accounts.statements.tasks.statements_monthly",
            "schedule": crontab(minute=45, hour=3, day_of_month="1,2,3"),
        },
    }
)
# --- end statements -----------------------------------------------------------------------------
