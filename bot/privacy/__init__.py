"""What keeps a survivor's identity safe: pseudonyms and sealed addresses, erasure,
retention, and rotating the keys (docs/privacy.md)."""
