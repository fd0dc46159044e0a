from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Operations"

    def ready(self):
        from django.db.models.signals import post_migrate

        from backoffice import metrics  # noqa: F401  (registers the discrepancy figures of /metrics)
        from backoffice.services.schedules import schedules_ensure_after_migrate

        # Periodic jobs are seeded once and then belong to staff: only missing entries are ever created.
        post_migrate.connect(schedules_ensure_after_migrate, sender=self)
