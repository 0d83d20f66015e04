"""Codecs at the bottom of the package: the byte and text forms every layer agrees on
(RFC 8785 canonical JSON, Ed25519 public key text). They import nothing from interlock
but errors, so the model, the ledger and the surfaces can all use them."""
