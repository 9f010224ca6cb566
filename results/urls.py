"""The editors' pages."""

from datetime import date

from django.urls import path, register_converter

from .views import additions as addition_views
from .views import audit as audit_views
from .views import diplomas as context_views
from .views import inserts as insert_views
from .views import removals as removal_views
from .views import titles as views


class IsoDateConverter:
    """A day as 2026-07-01; an impossible date (2026-02-30) is a 404 like any unknown URL."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        return date.fromisoformat(value)  # ValueError: Django answers 404

    def to_url(self, value):
        return value.isoformat() if isinstance(value, date) else value


register_converter(IsoDateConverter, "day")

INSERT = "journal/<slug:slug>/encarts/<str:scope>/<day:day>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("journal/<slug:slug>/", views.title_home, name="title"),
    path("journal/<slug:slug>/departements/", views.choose_departements, name="choose"),
    path("journal/<slug:slug>/plan/", views.planning, name="planning"),
    path("journal/<slug:slug>/plan.csv", views.planning_csv, name="planning_csv"),
    path("journal/<slug:slug>/plan.pdf", views.planning_pdf, name="planning_pdf"),
    path("journal/<slug:slug>/departements/<str:code>/", views.departement, name="departement"),
    path(
        "journal/<slug:slug>/departements/<str:code>/activite/",
        views.activity,
        name="activity",
    ),
    path(
        "journal/<slug:slug>/departements/<str:code>/recuperer/",
        views.request_fetch,
        name="request_fetch",
    ),
    path(
        "journal/<slug:slug>/departements/<str:code>/resultats/",
        views.results_list,
        name="results_list",
    ),
    path("journal/<slug:slug>/encarts/", insert_views.inserts, name="inserts"),
    path(INSERT, insert_views.insert, name="insert"),
    path(INSERT + "etat/", insert_views.insert_status, name="insert_status"),
    path(INSERT + "generer/", insert_views.build_day, name="build"),
    path(
        "journal/<slug:slug>/versions/<int:pk>/pdf/", insert_views.download_insert, name="download"
    ),
    path(
        "journal/<slug:slug>/versions/<int:pk>/pages/<int:page>.png",
        insert_views.page_thumbnail,
        name="page_thumbnail",
    ),
    path("journal/<slug:slug>/versions/<int:pk>/csv/", insert_views.export_csv, name="export_csv"),
    path(
        "journal/<slug:slug>/versions/<int:pk>/indesign/",
        insert_views.export_tagged_text,
        name="export_tagged_text",
    ),
    path(
        "journal/<slug:slug>/versions/<int:pk>/bon-a-tirer/",
        insert_views.mark_final,
        name="mark_final",
    ),
    path("journal/<slug:slug>/reglages/", insert_views.print_settings, name="print_settings"),
    path("journal/<slug:slug>/retraits/", removal_views.removals, name="removals"),
    path(
        "journal/<slug:slug>/retraits/importer/",
        removal_views.import_removals,
        name="import_removals",
    ),
    path("journal/<slug:slug>/retraits/<int:pk>/", removal_views.removal, name="removal"),
    path("journal/<slug:slug>/ajouts/", addition_views.additions, name="additions"),
    path("journal/<slug:slug>/journal-d-audit/", audit_views.audit, name="audit"),
    path("journal/<slug:slug>/journal-d-audit.csv", audit_views.audit_csv, name="audit_csv"),
    path("journal/<slug:slug>/diplomes/", context_views.diplomas, name="diplomas"),
    path(
        "journal/<slug:slug>/diplomes/mettre-a-jour/",
        context_views.refresh_diplomas,
        name="refresh_diplomas",
    ),
    path("journal/<slug:slug>/gabarits/", views.profiles, name="profiles"),
    path("journal/<slug:slug>/gabarits/nouveau/", views.new_profile, name="new_profile"),
    path("journal/<slug:slug>/gabarits/<int:pk>/", views.edit_profile, name="profile"),
    path(
        "journal/<slug:slug>/gabarits/<int:pk>/apercu/",
        views.preview_profile,
        name="profile_preview",
    ),
    path(
        "journal/<slug:slug>/gabarits/<int:pk>/defaut/",
        views.default_profile,
        name="default_profile",
    ),
]
