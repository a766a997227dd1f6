"""The simulator's verification-of-payee URL, mounted by config/urls.py outside production."""

from django.urls import URLPattern, path

from simulators.clearing import vop

app_name = "clearing_vop"
urlpatterns: list[URLPattern] = [path("", vop.vop_view, name="vop")]
