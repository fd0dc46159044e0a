from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"

    def ready(self):
        from providers import (
            checks,  # noqa: F401  (registers the deploy checks of the configured partners)
            metrics,  # noqa: F401  (registers the pending-rounds figures of /metrics)
            outbox_handlers,
            retention,
        )

        outbox_handlers.register()
        retention.register()
