from django.urls import URLPattern

app_name = "kyc_api"
urlpatterns: list[URLPattern] = []
