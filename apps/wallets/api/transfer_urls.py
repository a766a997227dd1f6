from django.urls import URLPattern, path

from apps.wallets.api import views

app_name = "wallet_transfers_api"
urlpatterns: list[URLPattern] = [
    path("", views.TransferListApi.as_view(), name="transfers"),
    path("<str:transfer_id>/", views.TransferDetailApi.as_view(), name="transfer"),
]
