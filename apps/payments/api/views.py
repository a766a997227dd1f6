"""payments partner API: views."""
