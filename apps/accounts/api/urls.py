from django.urls import path

from apps.accounts.api import views

app_name = "accounts_api"
urlpatterns = [
    path("", views.AccountListApi.as_view(), name="list"),
    path("<str:account_id>/", views.AccountDetailApi.as_view(), name="detail"),
    path("<str:account_id>/balances/", views.AccountBalancesApi.as_view(), name="balances"),
    path("<str:account_id>/transactions/", views.AccountTransactionsApi.as_view(), name="transactions"),
]
