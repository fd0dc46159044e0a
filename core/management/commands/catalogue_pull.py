"""`manage.py catalogue_pull`: in a jurisdiction cell, make this cell's replica of the shared catalogue equal to the
catalogue database now (what the beat job `core-catalogue-pull` does every minute)."""

from django.core.management.base import BaseCommand, CommandError

from core.shards import catalogue_pull, cells_enabled


class Command(BaseCommand):
    help = "Copy the shared catalogue database into this jurisdiction cell's replica (needs CATALOGUE_DATABASE_URL)."

    def handle(self, *args, **options):
        if not cells_enabled():
            raise CommandError("catalogue_pull runs only in a jurisdiction cell (set CATALOGUE_DATABASE_URL)")
        changed = catalogue_pull()
        if not changed:
            self.stdout.write("catalogue pull: the replica was up to date")
        for label, rows in changed.items():
            self.stdout.write(f"catalogue pull: {label} copied ({rows} rows)")
