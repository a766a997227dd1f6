from django.urls import URLPattern

app_name = "reporting_api"
urlpatterns: list[URLPattern] = []
