from django.urls import URLPattern, path

from apps.wallets import views

app_name = "wallets"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("<int:wallet_id>/", views.wallet_detail, name="wallet"),
    path("phone/", views.phone, name="phone"),
    path("phone/verify/", views.phone_verify, name="phone-verify"),
    path("phone/resend/", views.phone_resend, name="phone-resend"),
    path("send/", views.send, name="send"),
    path("send/confirm/", views.send_confirm, name="send-confirm"),
    path("transfers/<int:transfer_id>/", views.transfer, name="transfer"),
    path("request/", views.request_new, name="request-new"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/pay/", views.request_pay, name="request-pay"),
    path("requests/<int:request_id>/decline/", views.request_decline, name="request-decline"),
    path("receive/", views.receive, name="receive"),
    path("pay-qr/", views.pay_qr, name="pay-qr"),
    path("topup/", views.topup, name="topup"),
    path("topups/<int:topup_id>/", views.topup_detail, name="topup"),
    path("convert/", views.convert, name="convert"),
    path("withdraw/", views.withdraw, name="withdraw"),
    path("quotes/<int:quote_id>/", views.quote, name="quote"),
    path("acquirer/webhook/", views.acquirer_webhook, name="acquirer-webhook"),
]
