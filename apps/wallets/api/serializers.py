"""wallets partner API: serializers."""
