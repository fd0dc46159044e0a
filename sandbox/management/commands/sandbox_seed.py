"""`manage.py sandbox_seed`: the sandbox partners, their games, and a staff user whose password it prints.

Idempotent: run it as often as you like. Refuses to run unless SANDBOX_MODE is on.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from casino.settings.env import VAR_DIR

STAFF_USERNAME = "admin"


def staff_user_seed() -> tuple[str, str]:
    """Create the sandbox staff user once; the password lives in var/ (never committed) so it can be shown again."""
    password_file = VAR_DIR / "staff-password.txt"
    user_model = get_user_model()
    user = user_model.objects.filter(username=STAFF_USERNAME).first()
    if user is None or not password_file.exists():
        password = secrets.token_urlsafe(12)
        user = user or user_model(username=STAFF_USERNAME, email="admin@sandbox.invalid")
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        VAR_DIR.mkdir(exist_ok=True)
        password_file.write_text(password)
        password_file.chmod(0o600)
    return STAFF_USERNAME, password_file.read_text().strip()


class Command(BaseCommand):
    help = "Seed the sandbox game provider, payment gateways, games and a staff user (sandbox mode only)."

    def handle(self, *args, **options):
        if not settings.SANDBOX_MODE:
            raise CommandError("sandbox_seed runs only with SANDBOX_MODE=1")
        for seed in self.seeders():
            self.stdout.write(seed())
        username, password = staff_user_seed()
        self.stdout.write(self.style.SUCCESS(f"staff login: {username} / {password}  ({settings.SITE_URL}/admin/)"))

    def seeders(self):
        """Each app's sandbox seeding service; each returns one line to print."""
        from sandbox.gateway import seed as gateway_seed
        from sandbox.gateway_soap import seed as soap_gateway_seed
        from sandbox.provider import seed as provider_seed
        from sandbox.provider_soap import seed as soap_provider_seed

        return [provider_seed.seed, soap_provider_seed.seed, gateway_seed.seed, soap_gateway_seed.seed]
