from django.urls import path

from apps.kyc import views

app_name = "kyc"
urlpatterns = [
    path("", views.status, name="status"),
    path("personal/", views.personal, name="personal"),
    path("address/", views.address, name="address"),
    path("company/", views.company, name="company"),
    path("owners/", views.owners, name="owners"),
    path("company-document/", views.company_document, name="company_document"),
    path("id-document/", views.id_document, name="id_document"),
    path("selfie/", views.selfie, name="selfie"),
    path("extra/", views.extra, name="extra"),
    path("review/", views.review, name="review"),
    path("documents/<int:document_id>/", views.document, name="document"),
]
