"""django.contrib.admin installed with the staff site (core.admin_site.StaffAdminSite) as `admin.site`."""

from django.contrib.admin import apps as admin_apps


class StaffAdminConfig(admin_apps.AdminConfig):
    default_site = "core.admin_site.StaffAdminSite"
