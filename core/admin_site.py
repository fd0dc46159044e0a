"""The staff admin site: a second factor (django-otp TOTP) when ADMIN_OTP_REQUIRED, and the django-axes lockout
answered like every other limit (429 problem+json with Retry-After)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import JsonResponse
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from core.errors import PROBLEM_CONTENT_TYPE, TooManyRequests, problem_body


class StaffAdminSite(OTPAdminSite):
    """The default admin site (Django's `admin.site`). Read at each request, so a setting change takes effect."""

    site_header = "Casino backoffice"
    site_title = "Casino backoffice"

    def __init__(self, name="admin"):
        super().__init__(name)  # OTPAdminSite would otherwise name itself "otpadmin" and break admin: URLs

    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.ADMIN_OTP_REQUIRED else None

    @property
    def login_template(self):
        return OTPAdminSite.login_template if settings.ADMIN_OTP_REQUIRED else None

    def has_permission(self, request):
        if not AdminSite.has_permission(self, request):
            return False
        return not settings.ADMIN_OTP_REQUIRED or request.user.is_verified()


def staff_lockout_response(request, original_response=None, credentials=None) -> JsonResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: a locked-out staff login is a 429 with the cool-off as Retry-After."""
    error = TooManyRequests(
        "Too many failed logins; try again later.", retry_after=settings.AXES_COOLOFF_TIME.total_seconds()
    )
    body = problem_body(status=error.status, code=error.code, title=error.title, detail=error.detail)
    response = JsonResponse(body, status=error.status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in error.headers.items():
        response[name] = value
    return response
