"""kyc partner API: serializers."""
