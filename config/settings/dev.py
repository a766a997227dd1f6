"""The embedded default: `make run` with no services (SQLite, Celery eager, local-memory cache)."""

from config.settings.base import *  # noqa: F403
from config.settings.env import boolean

DEBUG = boolean("DEBUG", True)
# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
