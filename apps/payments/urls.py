from django.urls import URLPattern, path

from apps.payments import views

app_name = "payments"
urlpatterns: list[URLPattern] = [
    path("", views.payment_list, name="list"),
    path("new/", views.payment_new, name="new"),
    path("<int:payment_id>/", views.payment_detail, name="detail"),
    path("<int:payment_id>/authorise/", views.payment_authorise, name="authorise"),
    path("<int:payment_id>/cancel/", views.payment_cancel, name="cancel"),
    path("scheduled/", views.scheduled_list, name="scheduled"),
    path("beneficiaries/", views.beneficiary_list, name="beneficiaries"),
    path("beneficiaries/new/", views.beneficiary_new, name="beneficiary_new"),
    path("beneficiaries/<int:beneficiary_id>/", views.beneficiary_detail, name="beneficiary"),
    path("beneficiaries/<int:beneficiary_id>/trust/", views.beneficiary_trust, name="beneficiary_trust"),
    path("beneficiaries/<int:beneficiary_id>/delete/", views.beneficiary_delete, name="beneficiary_delete"),
    path("standing-orders/new/", views.standing_order_new, name="standing_order_new"),
    path("standing-orders/<int:order_id>/", views.standing_order_detail, name="standing_order"),
    path("standing-orders/<int:order_id>/<str:action>/", views.standing_order_action, name="standing_order_action"),
]
