"""payments partner API: serializers."""
