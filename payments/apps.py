from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from payments import outbox_handlers

        outbox_handlers.register()
