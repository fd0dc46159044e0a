"""The staff permission groups (support, finance, operations) and the dedicated permissions of the staff tools.

Permissions of other apps' models that only the backoffice's tools use are created here (by content type), so those
apps need no migration for them: providers.settle_round. (payments.review_payment is declared by Payment's Meta.)
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EXTRA_PERMISSIONS = {
    ("providers", "round"): [("settle_round", "Can settle or void stuck rounds")],
}

_VIEW_ALL = [
    "casino.view_user", "casino.view_playerprofile",
    "providers.view_provider", "providers.view_game", "providers.view_gamesession", "providers.view_round",
    "providers.view_walletcallback", "providers.view_wallettransaction",
    "payments.view_gateway", "payments.view_payment", "payments.view_paymentanomaly",
    "payments.view_paymentstatuschange", "payments.view_webhookdelivery",
    "ledger.view_account", "ledger.view_transaction", "ledger.view_entry", "ledger.view_hold",
    "outbox.view_outboxmessage", "outbox.view_outboxattempt",
    "backoffice.view_jobrun", "backoffice.view_discrepancy", "backoffice.view_adjustment",
    "audit.view_staffaction",
]  # fmt: skip

GROUPS = {
    # Answers players: sees their money, sessions, rounds and payments; changes nothing that moves money.
    "support": [*_VIEW_ALL, "casino.change_playerprofile"],
    # Money: payment reviews, adjustments (request and approve), discrepancies, reconciliation runs.
    "finance": [
        *_VIEW_ALL, "payments.review_payment", "payments.change_paymentanomaly", "providers.review_win",
        "payments.reprocess_webhookdelivery", "backoffice.add_adjustment", "backoffice.request_adjustment",
        "backoffice.approve_adjustment",
        "backoffice.resolve_discrepancy", "backoffice.run_jobrun",
    ],  # fmt: skip
    # Partners and the machinery: providers, games, gateways, stuck rounds, deliveries, schedules, jobs.
    "operations": [
        *_VIEW_ALL, "providers.change_provider", "providers.add_provider", "providers.change_game",
        "providers.enable_game",
        "providers.change_round", "providers.settle_round", "payments.change_gateway", "payments.add_gateway",
        "outbox.operate_outboxmessage", "backoffice.run_jobrun",
        "django_celery_beat.view_periodictask", "django_celery_beat.change_periodictask",
        "django_celery_beat.view_intervalschedule", "django_celery_beat.view_crontabschedule",
    ],  # fmt: skip
}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    groups_ensure(apps)


def groups_ensure(apps) -> None:
    """The extra permissions and the groups (also called by tests after a flush emptied the tables)."""
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    for (app_label, model), extras in EXTRA_PERMISSIONS.items():
        ct, _ = content_type.objects.get_or_create(app_label=app_label, model=model)
        for codename, name in extras:
            permission.objects.get_or_create(content_type=ct, codename=codename, defaults={"name": name})
    for name, labels in GROUPS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        for label in labels:
            app_label, codename = label.split(".")
            group.permissions.add(permission.objects.get(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # After each app's latest migration, so the permissions their models declare (main's security work:
        # payments.review_payment, payments.reprocess_webhookdelivery, providers.enable_game, providers.review_win) exist.
        ("casino", "0002_security"),
        ("providers", "0004_wallet_wins_held"),
        ("payments", "0002_security"),
        ("ledger", "0002_immutable_entries"),
        ("outbox", "0001_initial"),
        ("audit", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
