import django.db.models.deletion
import django.core.serializers.json
from django.conf import settings
from django.db import migrations, models


def secrets_encrypt(apps, schema_editor):
    # Imported here: the migration must use the key configuration of the day it runs.
    from bankcore import crypto

    endpoint_model = apps.get_model("api", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.all().iterator():
        endpoint.secret_encrypted = crypto.encrypt_text(endpoint.secret)
        endpoint.previous_secret_encrypted = crypto.encrypt_text(endpoint.previous_secret)
        endpoint.save(update_fields=["secret_encrypted", "previous_secret_encrypted"])


def secrets_decrypt(apps, schema_editor):
    from bankcore import crypto

    endpoint_model = apps.get_model("api", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.all().iterator():
        endpoint.secret = crypto.decrypt_text(endpoint.secret_encrypted)
        endpoint.previous_secret = crypto.decrypt_text(endpoint.previous_secret_encrypted)
        endpoint.save(update_fields=["secret", "previous_secret"])


def credentials_were_issued(apps, schema_editor):
    # Every partner registered before this had its secret issued at registration.
    grant_model = apps.get_model("api", "PartnerGrant")
    grant_model.objects.filter(credentials_issued_at__isnull=True).update(credentials_issued_at=models.F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0004_webhook_endpoints_and_deliveries"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="secret_encrypted",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="previous_secret_encrypted",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(secrets_encrypt, secrets_decrypt),
        migrations.RemoveField(model_name="webhookendpoint", name="secret"),
        migrations.RemoveField(model_name="webhookendpoint", name="previous_secret"),
        migrations.AlterModelOptions(
            name="partnergrant",
            options={"permissions": [("manage_partnergrant", "Can issue, rotate and revoke partner credentials and suspend partners")]},
        ),
        migrations.AddField(
            model_name="partnergrant",
            name="contact_email",
            field=models.EmailField(blank=True, help_text="Whom the bank tells about the partner's integration.", max_length=254),
        ),
        migrations.AddField(
            model_name="partnergrant",
            name="status",
            field=models.CharField(choices=[("active", "Active"), ("suspended", "Suspended (no token is issued or accepted)")], default="active", max_length=10),
        ),
        migrations.AddField(
            model_name="partnergrant",
            name="credentials_issued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="partnergrant",
            name="credentials_revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalpartnergrant",
            name="contact_email",
            field=models.EmailField(blank=True, help_text="Whom the bank tells about the partner's integration.", max_length=254),
        ),
        migrations.AddField(
            model_name="historicalpartnergrant",
            name="status",
            field=models.CharField(choices=[("active", "Active"), ("suspended", "Suspended (no token is issued or accepted)")], default="active", max_length=10),
        ),
        migrations.AddField(
            model_name="historicalpartnergrant",
            name="credentials_issued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalpartnergrant",
            name="credentials_revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(credentials_were_issued, migrations.RunPython.noop),
        migrations.CreateModel(
            name="PartnerAction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("action", models.CharField(choices=[("created", "Created"), ("credentials_issued", "Credentials Issued"), ("credentials_rotated", "Credentials Rotated"), ("credentials_revoked", "Credentials Revoked"), ("suspended", "Suspended"), ("unsuspended", "Unsuspended"), ("scopes_set", "Scopes Set"), ("acting_for_set", "Acting For Set")], max_length=30)),
                ("reason", models.CharField(max_length=500)),
                ("details", models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder)),
                ("at", models.DateTimeField()),
                ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("grant", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="actions", to="api.partnergrant")),
            ],
            options={
                "ordering": ("-at", "-id"),
                "indexes": [models.Index(fields=["grant", "at"], name="partner_action_grant_at")],
            },
        ),
    ]
