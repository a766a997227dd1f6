"""fraud partner API: serializers."""
