"""`home` at the site's root (included by crm/urls.py, which imports no app)."""

from django.urls import path

from reports.home.views import home

urlpatterns = [path("", home, name="home")]
