"""URLs of the stand-ins for ARPENT and InserJeunes, under the same paths as the real APIs."""

from django.urls import path

from . import inserjeunes_views, views

BASE = "arpent-resultats-api/"
API = BASE + "api/arpent-resultats/"
# InserJeunes's Exposition API has its own host; here it shares the app's.
INSERJEUNES = "api/inserjeunes/"

urlpatterns = [
    path(f"{API}resultats-grand-public/calendriers", views.calendriers, name="sandbox-calendriers"),
    path(f"{API}resultats-grand-public/resultats", views.resultats, name="sandbox-resultats"),
    path(f"{API}audit-notes/credentials", views.credentials, name="sandbox-credentials"),
    path(f"{API}diplomes", views.diplomes, name="sandbox-diplomes"),
    path(f"{API}sessions", views.sessions, name="sandbox-sessions"),
    path(f"{API}departements", views.departements, name="sandbox-departements"),
    path(
        f"{API}autorites-academiques",
        views.autorites_academiques,
        name="sandbox-autorites-academiques",
    ),
    path(f"{BASE}v2/api-docs", views.api_docs, name="sandbox-api-docs"),
    path(
        f"{INSERJEUNES}certifications/<str:code>",
        inserjeunes_views.certification,
        name="sandbox-inserjeunes-certification",
    ),
    path(
        f"{INSERJEUNES}regionales/<str:code_region>/certifications/<str:code>",
        inserjeunes_views.regionale,
        name="sandbox-inserjeunes-regionale",
    ),
]
