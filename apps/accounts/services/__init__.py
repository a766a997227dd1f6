"""Writes of the accounts app, one module per subdomain.

``numbers``: account numbers and IBANs. ``opening``: opening accounts. ``statuses``: blocks,
closing, overdrafts. ``products``: products and their dated rates.
"""
