from django.urls import URLPattern, path

from apps.payments.api import batches

app_name = "payment_batches_api"
urlpatterns: list[URLPattern] = [
    path("", batches.PaymentBatchListCreateApi.as_view(), name="batches"),
    path("<str:batch_id>/", batches.PaymentBatchDetailApi.as_view(), name="batch"),
]
