"""Admin screens: referentials and titles editable; fetch records and the audit trail read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    AuditEvent,
    CalendarRow,
    Departement,
    Diploma,
    DiplomaCode,
    DiplomaRate,
    ExamSession,
    Fetch,
    Insert,
    Job,
    Membership,
    PrintProfile,
    Result,
    SessionTally,
    Title,
)
from .views.forms import PrintProfileForm


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["departements"]
    inlines = [MembershipInline]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    search_fields = ["code", "name"]


@admin.register(Diploma)
class DiplomaAdmin(admin.ModelAdmin):
    list_display = ["filiere", "option"]
    list_filter = ["filiere"]


admin.site.register(ExamSession)


@admin.register(CalendarRow)
class CalendarRowAdmin(admin.ModelAdmin):
    list_display = ["departement", "date_delib", "filiere", "option", "nb_candidats"]
    list_filter = ["date_delib", "filiere"]


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ["departement", "nom", "prenoms", "filiere", "option", "resultat"]
    list_filter = ["departement", "filiere"]
    search_fields = ["nom", "prenoms"]


@admin.register(Fetch)
class FetchAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "endpoint",
        "departement_code",
        "http_status",
        "row_count",
        "outcome",
    ]
    list_filter = ["endpoint", "outcome"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "departement", "title", "status", "progress"]
    list_filter = ["kind", "status"]


@admin.register(Insert)
class InsertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "title", "departement", "number", "names_count", "pages"]


@admin.register(DiplomaCode)
class DiplomaCodeAdmin(admin.ModelAdmin):
    """The mapping from ARPENT's labels to the codes InserJeunes knows the diplomas by."""

    list_display = ["filiere", "option", "cfd", "mefstat11", "source"]
    list_filter = ["filiere"]
    search_fields = ["filiere", "option", "cfd", "mefstat11"]


@admin.register(DiplomaRate)
class DiplomaRateAdmin(admin.ModelAdmin):
    list_display = ["filiere", "pass_rate", "consent_rate"]


@admin.register(SessionTally)
class SessionTallyAdmin(admin.ModelAdmin):
    list_display = ["year", "departement", "filiere", "option", "nb_candidats", "printed"]
    list_filter = ["year", "filiere"]


@admin.register(PrintProfile)
class PrintProfileAdmin(admin.ModelAdmin):
    # The editors' form: the admin cannot save a grid the layout engine cannot print either.
    form = PrintProfileForm
    list_display = ["title", "name", "columns", "font_size_pt", "leading_pt", "is_default"]
    list_filter = ["title"]
    fieldsets = [
        (None, {"fields": ["title", "name", "is_default"]}),
        *(
            (legend, {"fields": [n for n in names if n != "name"]})
            for legend, names, _note in PrintProfileForm.GROUPS
        ),
    ]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail, to read only: no screen adds, changes or deletes an event."""

    list_display = ["at", "who", "action", "title_name", "departement_code", "day", "summary"]
    list_filter = ["action", "title", "at"]
    search_fields = ["username"]
    date_hierarchy = "at"

    @admin.display(description=_("utilisateur"), ordering="username")
    def who(self, event):
        return event.username or _("automatique")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
