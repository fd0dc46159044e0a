from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from payments import (
            checks,  # noqa: F401  (registers the deploy checks of the configured partners)
            outbox_handlers,
            retention,
        )

        outbox_handlers.register()
        retention.register()
