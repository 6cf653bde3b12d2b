"""The funnel's public addresses, outside /funnel/ and without a login: «Форма для сайта»."""

from django.urls import path

from funnel import views

urlpatterns = [
    path("<str:key>/", views.web_lead, name="web_lead"),
]
