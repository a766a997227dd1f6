from django.urls import URLPattern, path

from apps.accounts.statements import views

app_name = "statements"
urlpatterns: list[URLPattern] = [
    path("<int:account_id>/statements/", views.statements, name="index"),
    path("statements/<int:job_id>/", views.job, name="job"),
    path("statements/<int:job_id>/download/", views.download, name="download"),
]
