"""Writes of the fraud app, one module per subdomain.

``sanctions`` (list import), ``screening`` (parties and re-screens), ``alerts`` (alerts and
cases), ``rules`` (versions, maker-checker, evaluation), ``decisions`` (scoring a transaction
before money moves), ``ledger_monitoring`` (scoring posted entries after the fact),
``velocity`` (the aggregates) and ``backtests``. The refusal they raise is
``apps.fraud.errors.FraudRefused``.
"""
