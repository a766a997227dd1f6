from django.urls import path

from bankcore.users import views

urlpatterns = [
    path("verify/", views.otp_verify, name="otp_verify"),
]
