"""A software passkey (WebAuthn authenticator, "none" attestation, ES256) for the tests.

It answers the server's options the way a browser and authenticator do (W3C Web Authentication
Level 3, sections 6.1 authenticator data, 6.5.4 attestation object, 7.1/7.2 the relying party's
checks): clientDataJSON with the challenge and the origin, authenticator data with the SHA-256 of
the relying party id, the flags and the counter, and for a sign-in an ECDSA signature over the
authenticator data and the hash of clientDataJSON. Any of them can be made wrong to test that the
server refuses.
"""

import hashlib
import json
import os
import struct
from base64 import urlsafe_b64encode

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40  # user present, user verified, attested credential data


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftPasskey:
    def __init__(self, *, rp_id: str = "localhost", origin: str = "http://localhost:8000"):
        self.rp_id = rp_id
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps({**data, "crossOrigin": False}).encode()

    def _rp_hash(self, rp_id: str | None) -> bytes:
        return hashlib.sha256((rp_id or self.rp_id).encode()).digest()

    def register(self, options: dict, *, origin: str | None = None, rp_id: str | None = None):
        """The JSON a browser posts back after navigator.credentials.create(options)."""
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        auth_data = (
            self._rp_hash(rp_id)
            + bytes([UP | UV | AT])
            + struct.pack(">I", self.counter)
            + bytes(16)  # AAGUID: none
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        response = {"attestationObject": b64url(attestation), "transports": ["internal"]}
        return self._credential(client_data, response, {"credProps": {"rk": True}})

    def sign_in(self, options: dict, *, origin: str | None = None, rp_id: str | None = None):
        """The JSON a browser posts back after navigator.credentials.get(options)."""
        self.counter += 1
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = self._rp_hash(rp_id) + bytes([UP | UV]) + struct.pack(">I", self.counter)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        response = {"authenticatorData": b64url(auth_data), "signature": b64url(signature)}
        return self._credential(client_data, response, {})

    def _credential(self, client_data: bytes, response: dict, extensions: dict) -> dict:
        """The PublicKeyCredential as JSON (toJSON()), as the library's script posts it."""
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {"clientDataJSON": b64url(client_data), **response},
            "clientExtensionResults": extensions,
        }
