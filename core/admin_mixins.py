"""Admin bases shared by the apps: records that change only through the services are read-only to staff, and money
is shown in major units with its currency, never as the stored integer of minor units."""

from django.contrib import admin

from core.money import money_format


def money_display(field: str, *, currency: str = "currency", description: str | None = None):
    """An admin column or read-only field (a ModelAdmin attribute) showing a minor-unit field in major units with the
    row's currency: 4000 EUR -> "40.00 EUR"."""

    @admin.display(description=description or field.replace("_", " "), ordering=field)
    def display(model_admin, obj):
        return money_format(getattr(obj, field), getattr(obj, currency))

    return display


class MoneyAdmin(admin.ModelAdmin):
    """The minor-unit fields named in `money_fields` get a `<field>_money` column (for list_display) and show in its
    place on the detail page: staff never read (or mistake) 4000 for 4000 euros."""

    money_fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for field in cls.money_fields:
            if not hasattr(cls, f"{field}_money"):
                setattr(cls, f"{field}_money", money_display(field))

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is None:  # an add form types amounts in major units itself
            return readonly
        return readonly + tuple(f"{field}_money" for field in self.money_fields if f"{field}_money" not in readonly)

    def get_fields(self, request, obj=None):
        fields = [f"{f}_money" if f in self.money_fields else f for f in super().get_fields(request, obj)]
        return list(dict.fromkeys(fields))  # the raw field's place, once


class ReadOnlyAdmin(MoneyAdmin):
    """Staff search and filter; nobody adds, edits or deletes here (money depends on these rows)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
