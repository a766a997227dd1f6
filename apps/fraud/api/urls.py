from django.urls import path

from apps.fraud.api import views

app_name = "fraud_api"
urlpatterns = [
    path("names/", views.ScreeningNamesApi.as_view(), name="screening-names"),
]
