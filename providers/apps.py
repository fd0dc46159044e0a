from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"

    def ready(self):
        from providers import metrics  # noqa: F401  (registers the pending-rounds figures of /metrics)
