"""django.contrib.admin installed with the backoffice's site (sections, dashboard, player page) as `admin.site`."""

from django.contrib.admin import apps as admin_apps


class BackofficeAdminConfig(admin_apps.AdminConfig):
    default_site = "backoffice.site.BackofficeSite"
