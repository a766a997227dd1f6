"""accounts partner API: serializers."""
