"""Backoffice fixtures: the sandbox provider and gateway on the live server, staff in each group."""

import pytest

from tests.payments.conftest import api, gateway, site  # noqa: F401  (fixtures)
from tests.providers.conftest import game, player_api, sandbox  # noqa: F401  (fixtures)


@pytest.fixture
def staff(django_user_model):
    """A staff member in one of the permission groups (support, finance, operations), or a superuser."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group

    # A transactional test before this one flushed the tables the migration filled: fill them again.
    if not Group.objects.filter(name="operations").exists():
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        importlib.import_module("backoffice.migrations.0002_staff_groups").groups_ensure(apps)

    def make(group: str | None = None, username: str | None = None):
        username = username or f"{group or 'root'}-staff"
        if group is None:
            return django_user_model.objects.create_superuser(username=username, password="pw-staff-1")
        user = django_user_model.objects.create_user(username=username, password="pw-staff-1", is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return django_user_model.objects.get(pk=user.pk)  # a fresh permission cache

    return make
