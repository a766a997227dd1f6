from django.urls import URLPattern

app_name = "kyc"
urlpatterns: list[URLPattern] = []
