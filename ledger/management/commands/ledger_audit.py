"""`manage.py ledger_audit`: exit 0 when every ledger invariant holds, else print what breaks and exit 1."""

import sys

from django.core.management.base import BaseCommand

from ledger.models import Account, Entry, Transaction
from ledger.selectors import ledger_audit


class Command(BaseCommand):
    help = "Check every ledger invariant; exits 1 and prints the breaks when one fails."

    def handle(self, *args, **options):
        problems = ledger_audit()
        counts = (
            f"{Transaction.objects.count()} transactions, {Entry.objects.count()} entries, "
            f"{Account.objects.count()} accounts"
        )
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            self.stderr.write(self.style.ERROR(f"ledger audit FAILED: {len(problems)} problem(s) in {counts}"))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(f"ledger audit ok: {counts}"))
