from django.db import migrations

# name, value type, for clients, for contact persons
DEFAULT_KINDS = [
    ("Телефон", "phone", True, True),
    ("Мобильный телефон", "phone", False, True),
    ("Email", "email", True, True),
    ("Фактический адрес", "address", True, False),
    ("Почтовый адрес", "address", True, False),
    ("Сайт", "url", True, False),
    ("Мессенджер", "text", True, True),
]


def create_kinds(apps, schema_editor):
    Kind = apps.get_model("clients", "ContactInfoKind")
    for order, (name, value_type, for_clients, for_contacts) in enumerate(DEFAULT_KINDS, start=1):
        Kind.objects.get_or_create(
            name=name,
            defaults={
                "value_type": value_type,
                "for_clients": for_clients,
                "for_contacts": for_contacts,
                "order": order * 10,
            },
        )


def delete_kinds(apps, schema_editor):
    Kind = apps.get_model("clients", "ContactInfoKind")
    Kind.objects.filter(name__in=[k[0] for k in DEFAULT_KINDS], contactinfo__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]

    operations = [migrations.RunPython(create_kinds, delete_kinds)]
