from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"

    def ready(self):
        from providers import outbox_handlers

        outbox_handlers.register()
