from django.urls import URLPattern, path

from apps.payments.api import views

app_name = "payments_api"
urlpatterns: list[URLPattern] = [
    path("", views.PaymentListCreateApi.as_view(), name="payments"),
    path("<str:payment_id>/", views.PaymentDetailApi.as_view(), name="payment"),
    path("<str:payment_id>/cancel/", views.PaymentCancelApi.as_view(), name="payment-cancel"),
]
