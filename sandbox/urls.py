"""URLs of the stand-ins for ARPENT, InserJeunes and data.education.gouv.fr, under the same
paths as the real APIs."""

from django.urls import path

from . import education_views, inserjeunes_views, views

BASE = "arpent-resultats-api/"
API = BASE + "api/arpent-resultats/"
# InserJeunes's Exposition API and data.education.gouv.fr have their own hosts; here they
# share the app's.
INSERJEUNES = "api/inserjeunes/"
EXPLORE = "api/explore/v2.1/catalog/datasets/<str:dataset_id>/"

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
    path(f"{EXPLORE}records", education_views.records, name="sandbox-explore-records"),
    path(
        f"{EXPLORE}exports/<str:format>",
        education_views.export,
        name="sandbox-explore-export",
    ),
]
