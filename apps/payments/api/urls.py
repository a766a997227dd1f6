from django.urls import URLPattern

app_name = "payments_api"
urlpatterns: list[URLPattern] = []
