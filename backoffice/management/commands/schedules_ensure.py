"""`manage.py schedules_ensure`: create the periodic jobs that are missing (never changes the ones staff edited)."""

from django.core.management.base import BaseCommand

from backoffice.services.schedules import schedules_ensure


class Command(BaseCommand):
    help = "Create missing periodic jobs in django-celery-beat; existing entries are left as staff set them."

    def handle(self, *args, **options):
        created = schedules_ensure()
        self.stdout.write(f"created: {', '.join(created) or 'none'}")
