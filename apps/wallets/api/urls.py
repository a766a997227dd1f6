from django.urls import URLPattern, path

from apps.wallets.api import views

app_name = "wallets_api"
urlpatterns: list[URLPattern] = [
    path("", views.WalletListApi.as_view(), name="wallets"),
    path("<str:wallet_id>/", views.WalletDetailApi.as_view(), name="wallet"),
]
