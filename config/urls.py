from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from oauth2_provider import views as oauth2_views

from bankcore import http
from bankcore.api.views import PartnerMeApi
from bankcore.observability import views as ops
from bankcore.portal import views as portal

api_v1: list[URLPattern | URLResolver] = [
    path("me/", PartnerMeApi.as_view(), name="partner-me"),
    path("accounts/", include("apps.accounts.api.urls")),
    path("wallets/", include("apps.wallets.api.urls")),
    path("payments/", include("apps.payments.api.urls")),
    path("kyc/", include("apps.kyc.api.urls")),
    path("screening/", include("apps.fraud.api.urls")),
    path("reporting/", include("apps.reporting.api.urls")),
    # --- kernel: consents and webhook endpoints ---
    path("", include("bankcore.api.urls")),
]

app_pages = [
    path("accounts/", include("apps.accounts.urls")),
    path("accounts/", include("apps.accounts.statements.urls")),  # statements
    path("wallets/", include("apps.wallets.urls")),
    path("payments/", include("apps.payments.urls")),
    path("kyc/", include("apps.kyc.urls")),
    path("fraud/", include("apps.fraud.urls")),
    path("reporting/", include("apps.reporting.urls")),
]

urlpatterns = [
    path("", portal.landing, name="landing"),
    path("favicon.ico", portal.favicon),
    path("health/", ops.health, name="health"),
    path("status/", ops.status, name="status"),
    path("metrics", ops.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/2fa/", include("bankcore.users.urls")),
    # allauth's e-mail page, its change made by a service that checks the second factor first
    path("accounts/email/", portal.email_change, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("app/", include("bankcore.portal.urls")),
    path("app/inbox/", include("bankcore.notifications.urls")),
    path("app/", include(app_pages)),
    # --- kernel: the customer's partner consents ---
    path("app/consents/", include("bankcore.api.portal_urls")),
    path("api/v1/", include(api_v1)),
    # Only the token endpoints of OAuth2: partners are registered by staff, never self-served.
    path("o/token/", oauth2_views.TokenView.as_view(), name="oauth2-token"),
    path("o/revoke_token/", oauth2_views.RevokeTokenView.as_view(), name="oauth2-revoke"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

# --- wallets: the flat wallet-transfers/ API path; the card acquirer simulator only outside production ---
api_v1.append(path("wallet-transfers/", include("apps.wallets.api.transfer_urls")))
if settings.ACQUIRER_SIMULATOR_MOUNTED:
    urlpatterns.append(path("sim/acquirer/", include("simulators.acquirer.urls")))
# --- end wallets ---
# --- payments: the flat payment-batches/ API path (bulk payouts) ---
api_v1.append(path("payment-batches/", include("apps.payments.api.batch_urls")))
# --- end payments batches ---

# --- payments: the clearing simulator's verification of payee, outside production only
if settings.SIMULATORS_MOUNTED:
    urlpatterns += [path("simulators/clearing/vop/", include("simulators.clearing.vop_urls"))]
# --- end payments

# Last of all, so it matches only what nothing else under /api/ or /o/ does.
urlpatterns.append(re_path(r"^(?:api|o)/", http.api_not_found))

# The API answers problem+json even where Django answers before any view; the portal gets pages.
handler400 = "bankcore.http.bad_request"
handler404 = "bankcore.http.page_not_found"
handler500 = "bankcore.http.server_error"
