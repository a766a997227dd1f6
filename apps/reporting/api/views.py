"""reporting partner API: views."""
