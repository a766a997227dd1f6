from django.urls import path

from bankcore.api import portal_views

app_name = "consents"
urlpatterns = [
    path("", portal_views.consent_list, name="list"),
    path("<uuid:consent_id>/", portal_views.consent_review, name="review"),
    path("<uuid:consent_id>/revoke/", portal_views.consent_revoke, name="revoke"),
]
