"""The editors' pages, each from its page area's module in views/."""

from datetime import date

from django.urls import path, register_converter

from .views import additions, audit, diplomas, inserts, planning, profiles, removals, titles


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
    path("", titles.home, name="home"),
    path("journal/<slug:slug>/", titles.title_home, name="title"),
    path("journal/<slug:slug>/departements/", titles.choose_departements, name="choose"),
    path("journal/<slug:slug>/plan/", planning.planning, name="planning"),
    path("journal/<slug:slug>/plan.csv", planning.planning_csv, name="planning_csv"),
    path("journal/<slug:slug>/plan.pdf", planning.planning_pdf, name="planning_pdf"),
    path("journal/<slug:slug>/departements/<str:code>/", titles.departement, name="departement"),
    path(
        "journal/<slug:slug>/departements/<str:code>/activite/",
        titles.activity,
        name="activity",
    ),
    path(
        "journal/<slug:slug>/departements/<str:code>/recuperer/",
        titles.request_fetch,
        name="request_fetch",
    ),
    path(
        "journal/<slug:slug>/departements/<str:code>/resultats/",
        titles.results_list,
        name="results_list",
    ),
    path("journal/<slug:slug>/encarts/", inserts.inserts, name="inserts"),
    path(INSERT, inserts.insert, name="insert"),
    path(INSERT + "etat/", inserts.insert_status, name="insert_status"),
    path(INSERT + "generer/", inserts.build_day, name="build"),
    path(
        INSERT + "sections/<int:pk>/confirmer/",
        inserts.confirm_held_section,
        name="confirm_section",
    ),
    path("journal/<slug:slug>/versions/<int:pk>/pdf/", inserts.download_insert, name="download"),
    path(
        "journal/<slug:slug>/versions/<int:pk>/pages/<int:page>.png",
        inserts.page_thumbnail,
        name="page_thumbnail",
    ),
    path("journal/<slug:slug>/versions/<int:pk>/csv/", inserts.export_csv, name="export_csv"),
    path(
        "journal/<slug:slug>/versions/<int:pk>/indesign/",
        inserts.export_tagged_text,
        name="export_tagged_text",
    ),
    path(
        "journal/<slug:slug>/versions/<int:pk>/bon-a-tirer/",
        inserts.mark_final,
        name="mark_final",
    ),
    path("journal/<slug:slug>/reglages/", inserts.print_settings, name="print_settings"),
    path("journal/<slug:slug>/retraits/", removals.removals, name="removals"),
    path(
        "journal/<slug:slug>/retraits/importer/",
        removals.import_removals,
        name="import_removals",
    ),
    path("journal/<slug:slug>/retraits/<int:pk>/", removals.removal, name="removal"),
    path("journal/<slug:slug>/ajouts/", additions.additions, name="additions"),
    path("journal/<slug:slug>/journal-d-audit/", audit.audit, name="audit"),
    path("journal/<slug:slug>/journal-d-audit.csv", audit.audit_csv, name="audit_csv"),
    path("journal/<slug:slug>/diplomes/", diplomas.diplomas, name="diplomas"),
    path(
        "journal/<slug:slug>/diplomes/mettre-a-jour/",
        diplomas.refresh_diplomas,
        name="refresh_diplomas",
    ),
    path("journal/<slug:slug>/gabarits/", profiles.profiles, name="profiles"),
    path("journal/<slug:slug>/gabarits/nouveau/", profiles.new_profile, name="new_profile"),
    path("journal/<slug:slug>/gabarits/<int:pk>/", profiles.edit_profile, name="profile"),
    path(
        "journal/<slug:slug>/gabarits/<int:pk>/apercu/",
        profiles.preview_profile,
        name="profile_preview",
    ),
    path(
        "journal/<slug:slug>/gabarits/<int:pk>/defaut/",
        profiles.default_profile,
        name="default_profile",
    ),
]
