"""`manage.py sandbox_provider_fault play timeout --delay 12 --count 1`: switch the sandbox provider's faults for demos.
`manage.py sandbox_provider_fault --clear` removes them all."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sandbox.provider.faults import MODES, OPERATIONS, fault_set, faults_active, faults_clear


class Command(BaseCommand):
    help = "Set or clear a fault of the sandbox game provider (sandbox mode only)."

    def add_arguments(self, parser):
        parser.add_argument("operation", nargs="?", choices=[*OPERATIONS, "*"])
        parser.add_argument("mode", nargs="?", choices=MODES)
        parser.add_argument("--delay", type=float, default=0.0, help="seconds (latency, timeout)")
        parser.add_argument("--status", type=int, default=503, help="HTTP status for mode error")
        parser.add_argument("--count", type=int, default=None, help="only the next N calls (default: all)")
        parser.add_argument("--multiplier", type=int, default=10, help="win multiplier for mode win")
        parser.add_argument("--clear", action="store_true")

    def handle(self, *args, **options):
        if not settings.SANDBOX_MODE:
            raise CommandError("the sandbox provider runs only with SANDBOX_MODE=1")
        if options["clear"]:
            faults_clear()
        elif options["operation"] and options["mode"]:
            fault_set(
                operation=options["operation"],
                mode=options["mode"],
                delay=options["delay"],
                status=options["status"],
                count=options["count"],
                multiplier=options["multiplier"],
            )
        else:
            raise CommandError("name an operation and a mode, or pass --clear")
        self.stdout.write(f"active faults: {faults_active()}")
