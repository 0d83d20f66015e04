"""A party's Ed25519 private key (RFC 8032): made here, kept in a PKCS#8 PEM file readable
by its owner only (mode 0600). The public key's text form is `interlock.codec.keys`."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..errors import InvalidInput


def new_private() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def write_private(key: Ed25519PrivateKey, path: Path) -> None:
    """Write a PKCS#8 PEM file that only its owner can read; never overwrite one."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def read_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read a private key: {exc}", field=str(path)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput("not an Ed25519 private key", field=str(path))
    return key
