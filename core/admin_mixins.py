"""Admin bases shared by the apps: records that change only through the services are read-only to staff."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff search and filter; nobody adds, edits or deletes here (money depends on these rows)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
