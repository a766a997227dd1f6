"""The kernel's partner resources under /api/v1/: consents and webhook endpoints."""

from django.urls import URLPattern, path

from bankcore.api import consent_views, webhook_views

urlpatterns: list[URLPattern] = [
    path("consents/", consent_views.ConsentListCreateApi.as_view(), name="consents"),
    path("consents/<str:consent_id>/", consent_views.ConsentDetailApi.as_view(), name="consent"),
    path("webhook-endpoints/", webhook_views.WebhookEndpointListCreateApi.as_view(), name="webhook-endpoints"),
    path(
        "webhook-endpoints/<str:endpoint_id>/",
        webhook_views.WebhookEndpointDetailApi.as_view(),
        name="webhook-endpoint",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/rotate-secret/",
        webhook_views.WebhookSecretRotateApi.as_view(),
        name="webhook-endpoint-rotate",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/deliveries/",
        webhook_views.WebhookDeliveryListApi.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/deliveries/<str:delivery_id>/redeliver/",
        webhook_views.WebhookRedeliverApi.as_view(),
        name="webhook-redeliver",
    ),
]
