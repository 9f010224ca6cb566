"""URL map: the editors' pages, the admin, the health probe, and the sandbox when it is enabled."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from results import health_views

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("sante/", health_views.probe, name="health"),
    path("admin/", admin.site.urls),
    path("", include("results.urls")),
]

if settings.SANDBOX_ENABLED:
    urlpatterns += [path("", include("sandbox.urls"))]
