"""payments: services, one module per subdomain (transitions, validation, verification of payee,
beneficiaries, initiation, standing orders; settlement's own modules sit beside them)."""
