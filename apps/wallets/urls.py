from django.urls import URLPattern

app_name = "wallets"
urlpatterns: list[URLPattern] = []
