from django.urls import URLPattern

app_name = "fraud"
urlpatterns: list[URLPattern] = []
