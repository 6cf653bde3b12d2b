from django.db import migrations

# Out of the box a card is complete with its ИНН, business region, a phone and an e-mail.
PROPERTIES = ("inn", "business_region")
KIND_TYPES = ("phone", "email")


def require_defaults(apps, schema_editor):
    RequiredProperty = apps.get_model("clients", "RequiredProperty")
    ContactInfoKind = apps.get_model("clients", "ContactInfoKind")
    for name in PROPERTIES:
        RequiredProperty.objects.get_or_create(name=name)
    # The first kind of each type (Телефон, Email), not every phone kind.
    for value_type in KIND_TYPES:
        kind = ContactInfoKind.objects.filter(value_type=value_type, for_clients=True).order_by("order", "pk").first()
        if kind is not None:
            kind.required = True
            kind.save(update_fields=["required"])


def forget_defaults(apps, schema_editor):
    apps.get_model("clients", "RequiredProperty").objects.filter(name__in=PROPERTIES).delete()
    apps.get_model("clients", "ContactInfoKind").objects.update(required=False)


class Migration(migrations.Migration):
    dependencies = [("clients", "0010_completeness")]

    operations = [migrations.RunPython(require_defaults, forget_defaults)]
