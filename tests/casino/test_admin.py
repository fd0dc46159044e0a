"""The people admin: privileges are a superuser's to grant, KYC decisions need their permission and leave an audit
row, blocked countries take effect at once, and the staff login has a lockout and a second factor."""

import pytest
from django.contrib.auth.models import Permission
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from casino.models import BlockedCountry, KycStatusChange, PlayerProfile
from core.geo import CountryBlocked

pytestmark = pytest.mark.django_db

STAFF_PASSWORD = "staff-password-long-enough-9"


def _staff(django_user_model, *codenames, username="staff"):
    user = django_user_model.objects.create_user(username=username, password=STAFF_PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_only_a_superuser_may_grant_privileges(client, django_user_model, admin_user):
    staff = _staff(django_user_model, "view_user", "change_user")
    client.force_login(staff)

    form = client.get(f"/admin/casino/user/{staff.pk}/change/").context["adminform"].form
    superuser_page = client.get(f"/admin/casino/user/{admin_user.pk}/change/")

    assert not {"is_superuser", "is_staff", "user_permissions", "groups"} & set(form.fields)
    assert "is_superuser" not in superuser_page.context["adminform"].form.fields
    client.post(f"/admin/casino/user/{admin_user.pk}/change/", {"username": "taken-over", "email": "x@example.com"})
    admin_user.refresh_from_db()
    assert admin_user.username != "taken-over"

    client.force_login(admin_user)
    form = client.get(f"/admin/casino/user/{staff.pk}/change/").context["adminform"].form
    assert {"is_superuser", "is_staff", "user_permissions"} <= set(form.fields)


def test_kyc_decisions_need_their_permission_and_leave_an_audit_row(client, django_user_model, make_player):
    player = make_player()
    viewer = _staff(django_user_model, "view_playerprofile", "change_playerprofile", username="viewer")
    client.force_login(viewer)

    client.post("/admin/casino/playerprofile/", {"action": "kyc_mark_verified", "_selected_action": [player.pk]})
    form = client.get(f"/admin/casino/playerprofile/{player.pk}/change/").context["adminform"].form

    assert PlayerProfile.objects.get(pk=player.pk).kyc_status == "none" and "kyc_status" not in form.fields
    assert not KycStatusChange.objects.exists()

    officer = _staff(django_user_model, "view_playerprofile", "change_kyc_status", username="officer")
    client.force_login(officer)
    client.post("/admin/casino/playerprofile/", {"action": "kyc_mark_verified", "_selected_action": [player.pk]})

    assert PlayerProfile.objects.get(pk=player.pk).kyc_status == "verified"
    change = KycStatusChange.objects.get()
    assert (change.player_id, change.from_status, change.to_status, change.changed_by_id) == (
        player.pk, "none", "verified", officer.pk,
    )  # fmt: skip


def test_a_country_blocked_in_the_admin_is_refused_at_once(admin_client, make_player):
    from casino.selectors import countries_blocked
    from casino.services import player_token_obtain

    player = make_player(country="MT")
    assert "MT" not in countries_blocked()  # read (and cached) before the change

    response = admin_client.post("/admin/casino/blockedcountry/add/", {"code": "mt", "note": "licence"})

    assert response.status_code == 302 and BlockedCountry.objects.filter(code="MT").exists()
    with pytest.raises(CountryBlocked, match="MT"):
        player_token_obtain(username=player.username, password="correct-horse-9")


def test_staff_logins_are_locked_out_after_repeated_failures(client, django_user_model, settings):
    _staff(django_user_model, username="ops")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", {"username": "ops", "password": "wrong-password"})
        assert response.status_code == 200  # the form again, with an error

    last = client.post("/admin/login/", {"username": "ops", "password": "wrong-password"})
    locked = client.post("/admin/login/", {"username": "ops", "password": STAFF_PASSWORD})

    for response in (last, locked):
        assert response.status_code == 429 and response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "too_many_requests" and int(response["Retry-After"]) >= 60


def test_staff_need_a_second_factor_when_it_is_required(client, django_user_model, settings):
    settings.ADMIN_OTP_REQUIRED = True
    staff = _staff(django_user_model, "view_payment", username="ops")
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)

    without = client.post("/admin/login/", {"username": "ops", "password": STAFF_PASSWORD})
    assert without.status_code == 200 and client.get("/admin/").status_code == 302  # still at the login page

    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    signed_in = client.post(
        "/admin/login/",
        {"username": "ops", "password": STAFF_PASSWORD, "otp_device": device.persistent_id, "otp_token": code},
    )
    assert signed_in.status_code == 302
    assert client.get("/admin/").status_code == 200

    client.logout()
    client.force_login(staff)  # a password session without the second factor is not enough
    assert client.get("/admin/").status_code == 302
