"""accounts partner API: views."""
