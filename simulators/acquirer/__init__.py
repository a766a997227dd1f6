"""A simulated card acquirer: its own card pages, 3-D Secure, records and signed webhooks.

It stands where a real acquirer stands and imports nothing of the bank: the bank reaches it over
HTTP (``api/intents/``) and hears from it only through webhooks signed per Standard Webhooks.
Mounted only outside production (``config/urls.py``).
"""
