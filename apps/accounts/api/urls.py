from django.urls import URLPattern

app_name = "accounts_api"
urlpatterns: list[URLPattern] = []
