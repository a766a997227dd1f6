from django.urls import URLPattern, path

from simulators.acquirer import views

app_name = "acquirer"
urlpatterns: list[URLPattern] = [
    path("api/intents/", views.intents_create, name="intents"),
    path("api/intents/<str:intent_id>/capture/", views.intents_capture, name="capture"),
    path("api/intents/<str:intent_id>/cancel/", views.intents_cancel, name="cancel"),
    path("api/intents/<str:intent_id>/refund/", views.intents_refund, name="refund"),
    path("api/intents/<str:intent_id>/chargeback/", views.intents_chargeback, name="chargeback"),
    path("api/tick/", views.tick, name="tick"),
    path("pay/<str:intent_id>/", views.pay_page, name="pay"),
    path("3ds/<str:intent_id>/", views.three_ds_page, name="3ds"),
]
