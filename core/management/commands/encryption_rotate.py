"""Re-encrypt every stored secret under the first of FIELD_ENCRYPTION_KEYS (after putting a new key first and
before dropping an old one from the list)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from core.crypto import encrypted_fields

BATCH = 200


class Command(BaseCommand):
    help = "Re-encrypt every EncryptedTextField value under the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        total = 0
        for model, names in encrypted_fields():
            label = model._meta.label
            pks = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(pks), BATCH):
                with transaction.atomic():
                    # Locked while rewritten, so an admin save in between cannot be overwritten with an old value.
                    rows = model._base_manager.select_for_update().filter(pk__in=pks[start : start + BATCH])
                    for row in rows.only("pk", *names):
                        # Reading decrypts with any key; writing encrypts with the first.
                        values = {name: getattr(row, name) for name in names}
                        model._base_manager.filter(pk=row.pk).update(**values)
                        total += 1
            self.stdout.write(f"{label}: {len(pks)} row(s) re-encrypted ({', '.join(names)})")
        self.stdout.write(self.style.SUCCESS(f"{total} row(s) re-encrypted under the newest key."))
