from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_save


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform kernel"

    def ready(self) -> None:
        from core import checks  # noqa: F401  (registers the deploy checks)
        from core.partners import PartnerConnection, partner_changed

        # Every partner model (Provider, Gateway) drops its cached rows when one is saved or deleted.
        def on_change(sender, **kwargs) -> None:
            partner_changed(sender)

        for model in apps.get_models():
            if issubclass(model, PartnerConnection):
                post_save.connect(
                    on_change, sender=model, weak=False, dispatch_uid=f"partner-cache:{model._meta.label}"
                )
                post_delete.connect(
                    on_change, sender=model, weak=False, dispatch_uid=f"partner-cache:{model._meta.label}:delete"
                )
