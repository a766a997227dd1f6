"""reporting partner API: serializers."""
