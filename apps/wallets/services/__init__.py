"""wallets: writes, one module per subdomain (wallets, transfers, requests, QR, FX, top-ups)."""
