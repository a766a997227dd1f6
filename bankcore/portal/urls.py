from django.urls import path

from bankcore.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profile/", views.profile, name="profile"),
    path("security/", views.security, name="security"),
    path("security/totp/", views.totp_enrol, name="totp_enrol"),
    path("security/backup-codes/", views.backup_codes, name="backup_codes"),
    path("security/devices/remove/", views.device_remove, name="device_remove"),
    path("security/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
]
