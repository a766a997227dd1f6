from django.urls import URLPattern

app_name = "fraud_api"
urlpatterns: list[URLPattern] = []
