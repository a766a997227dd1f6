from django.urls import path

from apps.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("open/", views.account_open, name="open"),
    path("<int:account_id>/", views.account_detail, name="detail"),
    path("<int:account_id>/transactions/<int:transaction_id>/", views.transaction_detail, name="transaction"),
    path("<int:account_id>/export.csv", views.transactions_export, name="export"),
]
