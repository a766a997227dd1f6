"""reporting: interface (see DESIGN.md §2).

The only module other apps import. It re-exports the event names and payload types of
``apps.reporting.events``, so a subscriber needs nothing else of this app.
"""

from apps.reporting.events import *  # noqa: F403
