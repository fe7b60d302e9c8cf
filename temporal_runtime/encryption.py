"""Encrypt every payload Temporal stores (AES-256-GCM), so the server only ever holds ciphertext.

Each encrypted payload names the key that encrypted it, so keys rotate: the key ring encrypts
with its current key and decrypts with any key it holds. Payloads that are not encrypted (e.g.
histories from before encryption) pass through decoding unchanged.

Keys come from ``DR_ENCRYPTION_KEYS`` (``id:base64key,...``, the first is current) or from the
TOML file named by ``DR_ENCRYPTION_KEY_FILE``; without either, ``var/encryption_keys.toml``
(which ``make run`` creates on first start) is used when it exists.
"""

from __future__ import annotations

import base64
import os
import secrets
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
DEMO_KEY_FILE = Path(__file__).resolve().parent.parent / "var" / "encryption_keys.toml"


class KeyRingError(Exception):
    """Keys that cannot be used; the message names the source and the key."""


class KeyRing:
    """AES-256 keys by id; ``current`` encrypts, any decrypts."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if current not in keys:
            raise KeyRingError(f"current key '{current}' is not among the keys")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise KeyRingError(f"key '{key_id}' is {len(key)} bytes; AES-256 needs 32")
        self.current = current
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}

    def ids(self) -> list[str]:
        """The key ids held."""
        return sorted(self._ciphers)

    def encrypt(self, plaintext: bytes, bound_to: bytes | None = None) -> tuple[str, bytes]:
        """Ciphertext (nonce first) and the id of the key used.

        ``bound_to`` (associated data) ties the ciphertext to its owner, e.g. a record's id, so
        it does not decrypt if moved to another row.
        """
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._ciphers[self.current].encrypt(nonce, plaintext, bound_to)
        return self.current, nonce + sealed

    def decrypt(self, key_id: str, data: bytes, bound_to: bytes | None = None) -> bytes:
        """Plaintext of data encrypted with ``key_id`` (and ``bound_to``, if it was)."""
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise KeyRingError(f"payload was encrypted with key '{key_id}', which is not loaded")
        try:
            return cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], bound_to)
        except InvalidTag:
            raise KeyRingError(f"payload does not decrypt with key '{key_id}'") from None


def new_key_file(path: Path, key_id: str = "k1") -> None:
    """Write a key file with one fresh key (readable by the owner only)."""
    key = base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# AES-256 keys for payload encryption. `current` encrypts; every key decrypts.\n"
        "# To rotate: add a key, make it current, keep the old ones until their data is gone.\n"
        f'current = "{key_id}"\n\n[keys]\n{key_id} = "{key}"\n'
    )
    path.chmod(0o600)


def _decode_key(source: str, key_id: str, value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise KeyRingError(f"{source}: key '{key_id}' is not valid base64") from None


def load_key_file(path: Path) -> KeyRing:
    """A key ring from a TOML file with ``current`` and a ``[keys]`` table."""
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise KeyRingError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as err:
        raise KeyRingError(f"{path}: not valid TOML: {err}") from None
    keys = data.get("keys")
    current = data.get("current")
    if not isinstance(keys, dict) or not keys or not isinstance(current, str):
        raise KeyRingError(f'{path}: needs `current = "id"` and a [keys] table of base64 keys')
    try:
        return KeyRing({k: _decode_key(str(path), k, str(v)) for k, v in keys.items()}, current)
    except KeyRingError as err:
        raise KeyRingError(f"{path}: {err}") from None


def load_key_ring(env: Mapping[str, str] | None = None) -> KeyRing:
    """The key ring configured in the environment (see module docstring)."""
    env = os.environ if env is None else env
    listed = env.get("DR_ENCRYPTION_KEYS", "").strip()
    if listed:
        pairs = [item.strip().split(":", 1) for item in listed.split(",") if item.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise KeyRingError("DR_ENCRYPTION_KEYS: expected id:base64key[,id:base64key...]")
        keys = {k: _decode_key("DR_ENCRYPTION_KEYS", k, v) for k, v in pairs}
        try:
            return KeyRing(keys, pairs[0][0])
        except KeyRingError as err:
            raise KeyRingError(f"DR_ENCRYPTION_KEYS: {err}") from None
    named = env.get("DR_ENCRYPTION_KEY_FILE", "").strip()
    if named:
        return load_key_file(Path(named))
    if DEMO_KEY_FILE.exists():
        return load_key_file(DEMO_KEY_FILE)
    raise KeyRingError(
        "no encryption keys: set DR_ENCRYPTION_KEY_FILE or DR_ENCRYPTION_KEYS "
        "(`make run` creates var/encryption_keys.toml for the demo)"
    )


class EncryptionCodec(PayloadCodec):
    """Temporal payload codec over a KeyRing."""

    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Encrypt each payload whole (metadata included) with the current key."""
        encoded = []
        for payload in payloads:
            key_id, data = self.keys.encrypt(payload.SerializeToString())
            encoded.append(
                Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=data)
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Decrypt encrypted payloads; pass others through."""
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)
                continue
            key_id = payload.metadata.get(KEY_ID, b"").decode()
            decoded.append(Payload.FromString(self.keys.decrypt(key_id, payload.data)))
        return decoded
