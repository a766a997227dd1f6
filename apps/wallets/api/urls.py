from django.urls import URLPattern

app_name = "wallets_api"
urlpatterns: list[URLPattern] = []
