import uuid

from django.db import migrations, models


def keys_fill(apps, schema_editor):
    Contest = apps.get_model("competitions", "Contest")
    for contest in Contest.objects.filter(key__isnull=True).only("pk"):
        contest.key = uuid.uuid4()
        contest.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("competitions", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="contest",
            name="key",
            field=models.UUIDField(editable=False, null=True, verbose_name="identity"),
        ),
        migrations.RunPython(keys_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="contest",
            name="key",
            field=models.UUIDField(
                default=uuid.uuid4,
                editable=False,
                unique=True,
                verbose_name="identity",
            ),
        ),
    ]
