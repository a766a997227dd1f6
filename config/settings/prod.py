"""Production: refuses to start without a real secret, Postgres and Redis."""

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, METRICS_TOKEN, REDIS_URL, TRUSTED_PROXIES, TRUSTED_PROXY_COUNT
from config.settings.env import env, fail, integer

DEBUG = False

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("dev-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    fail("SECRET_KEY", "set a random secret of at least 50 characters")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    fail("DATABASE_URL", "production needs postgres://")
if not REDIS_URL:
    fail("REDIS_URL", "production needs Redis for the cache and the Celery broker")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    fail("ALLOWED_HOSTS", "list the host names the bank is served on")

# Never in production, whatever the environment says: the demo logins are public knowledge.
DEMO_DATA_ALLOWED = False
METRICS_PUBLIC = False
# --- payments: the simulators stand for the outside world; never in production
SIMULATORS_MOUNTED = False
# Behind a proxy every scraper has the proxy's private address, so the address allowlist is no
# guard: production's business figures are for bearers of the token only.
if len(METRICS_TOKEN) < 32:
    fail("METRICS_TOKEN", "set a random token of at least 32 characters; Prometheus sends it as a bearer token")

SECURE_SSL_REDIRECT = True
# Load balancers and Prometheus probe these over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
# The scheme is taken from a proxy only when the proxy is trusted for the client's address too
# (bankcore.observability refuses to start otherwise): believing one header and not the other
# is how every customer ends up locked out under the proxy's address.
if TRUSTED_PROXIES or TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = integer("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

# --- kernel: partner webhooks never call private, loopback or reserved addresses ---
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
