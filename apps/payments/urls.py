from django.urls import URLPattern, path

from apps.payments import batch_views, views

app_name = "payments"
urlpatterns: list[URLPattern] = [
    path("", views.payment_list, name="list"),
    path("new/", views.payment_new, name="new"),
    path("<int:payment_id>/", views.payment_detail, name="detail"),
    path("<int:payment_id>/authorise/", views.payment_authorise, name="authorise"),
    path("<int:payment_id>/cancel/", views.payment_cancel, name="cancel"),
    path("batches/", batch_views.batch_list, name="batches"),
    path("batches/new/", batch_views.batch_new, name="batch_new"),
    path("batches/<int:batch_id>/", batch_views.batch_detail, name="batch"),
    path("batches/<int:batch_id>/progress/", batch_views.batch_progress, name="batch_progress"),
    path("batches/<int:batch_id>/authorise/", batch_views.batch_authorise, name="batch_authorise"),
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
