from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "core.outbox"
    label = "outbox"
    verbose_name = "Outbound deliveries"

    def ready(self) -> None:
        from core.outbox import retention

        retention.register()
