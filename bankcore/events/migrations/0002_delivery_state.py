from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0001_initial'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='outboxevent',
            name='outbox_pending_idx',
        ),
        migrations.AddField(
            model_name='outboxevent',
            name='locked_by',
            field=models.UUIDField(blank=True, help_text='The relay run holding the lease.', null=True),
        ),
        migrations.AddField(
            model_name='outboxevent',
            name='locked_until',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='outboxevent',
            name='next_attempt_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='outboxevent',
            name='status',
            field=models.CharField(choices=[('pending', 'Pending'), ('done', 'Done'), ('dead', 'Dead')], default='pending', max_length=10),
        ),
        # Events relayed before this migration are done; the rest stay pending.
        migrations.RunSQL(
            "UPDATE events_outboxevent SET status = 'done' WHERE processed_at IS NOT NULL",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='outboxevent',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['id'], name='outbox_pending_idx'),
        ),
    ]
