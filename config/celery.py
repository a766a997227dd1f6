"""The Celery application: settings come from Django's (CELERY_* names)."""

import os

from celery import Celery

# Every import of config.* passes here first, so this default is the web server's too: production,
# which refuses to start without its environment (a worker or server that forgot the variable
# must not run with DEBUG). manage.py and `make worker` say dev explicitly.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

app = Celery("bankcore")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
