"""URL map: the editors' pages, the admin, the health probe, and the sandbox when it is enabled."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from results.views import health as health_views

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("sante/", health_views.probe, name="health"),
    # Inside the admin: admin_view lets staff in and sends anyone else to the admin's login.
    path("admin/etat/", admin.site.admin_view(health_views.status_page), name="admin-status"),
    path("admin/", admin.site.urls),
    path("", include("results.urls")),
]

if settings.SANDBOX_ENABLED:
    urlpatterns += [path("", include("sandbox.urls"))]

# The database's errors answer 503 (newsroom.unavailable), the others Django's 500 page.
handler500 = "newsroom.unavailable.server_error"
