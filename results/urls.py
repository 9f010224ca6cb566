"""The editors' pages."""

from django.urls import path

from . import views

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
        views.fetch_results,
        name="fetch_results",
    ),
    path("journal/<slug:slug>/departements/<str:code>/encart/", views.build, name="build"),
    path(
        "journal/<slug:slug>/departements/<str:code>/resultats/",
        views.results_list,
        name="results_list",
    ),
    path("journal/<slug:slug>/encarts/<int:pk>/pdf/", views.download_insert, name="download"),
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
