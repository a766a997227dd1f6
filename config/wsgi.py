import os

from django.core.wsgi import get_wsgi_application

# Servers run production unless told otherwise: a deployment that forgot the variable gets
# production's refusal to start without its environment, never DEBUG. manage.py keeps dev.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_wsgi_application()
