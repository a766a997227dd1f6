"""wallets partner API: views."""
