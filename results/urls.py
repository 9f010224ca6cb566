"""The editors' pages."""

from django.urls import path

urlpatterns = []
