from django.db import migrations

DEFAULT_GROUP = "Дополнительно"


def create_group(apps, schema_editor):
    apps.get_model("clients", "FieldGroup").objects.get_or_create(name=DEFAULT_GROUP, defaults={"order": 100})


def delete_group(apps, schema_editor):
    apps.get_model("clients", "FieldGroup").objects.filter(name=DEFAULT_GROUP, fields__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("clients", "0006_extra_fields")]

    operations = [migrations.RunPython(create_group, delete_group)]
