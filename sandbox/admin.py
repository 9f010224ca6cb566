"""Admin pages for the sandbox's clock and faults, for demos without the command line."""

from django.contrib import admin

from .models import Fault, SandboxClock


@admin.register(SandboxClock)
class SandboxClockAdmin(admin.ModelAdmin):
    list_display = ["virtual_anchor", "real_anchor", "speed", "session_start"]


@admin.register(Fault)
class FaultAdmin(admin.ModelAdmin):
    list_display = ["kind", "endpoint", "departement", "remaining", "status", "created_at"]
    list_filter = ["kind", "endpoint"]
