"""fraud partner API: views."""
