from django.db import migrations

from apps.kyc import defaults


def forwards(apps, schema_editor):
    defaults.ensure(apps.get_model("kyc", "Tier"), apps.get_model("kyc", "Limit"))


class Migration(migrations.Migration):
    dependencies = [("kyc", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
