"""The record: canonical JSON (RFC 8785), Ed25519 signatures, a hash chain. Pure code."""
