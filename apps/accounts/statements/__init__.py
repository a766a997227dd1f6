"""Account statements: built from the ledger's postings, written as PDF or ISO 20022 camt.053.

``document`` holds the plain values a statement is made of; ``builder`` reads them from the
ledger for an account and a range of bank days; ``camt053`` and ``pdf`` write them out.
"""
