"""kyc partner API: views."""
