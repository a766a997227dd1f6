"""Settings for pytest. DATABASE_URL/REDIS_URL, when set, still select Postgres and Redis."""

import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests run tasks inline; the real-worker smoke test builds its own non-eager app.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}
# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# allauth counts requests per IP in the cache, which outlives a test; axes (in the database) still locks out.
ACCOUNT_RATE_LIMITS = False  # type: ignore[assignment]
# The cache behind the API throttles outlives a test; tests that prove a limit set their own rates.
API_THROTTLE_RATES = {"anon": "100000/min", "user": "100000/min"}
# --- kycdocs: identity documents go to a throwaway folder, never the project's var/kyc ---
KYC_STORAGE_DIR = Path(tempfile.mkdtemp(prefix="bankcore-kyc-test-"))
