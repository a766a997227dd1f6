"""accounts: interface (see DESIGN.md §2).

The only module other apps import. It re-exports the event names and payload types of
``apps.accounts.events``, so a subscriber needs nothing else of this app.
"""

from apps.accounts.events import *  # noqa: F403
