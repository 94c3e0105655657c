"""Key custody in a hardware security module through PKCS#11 (python-pkcs11): Ed25519 keys made in the token,
marked sensitive and not extractable, so they never leave it; every signature is made there (CKM_EDDSA).

The database keeps only what names a key: the token's label and the key's CKA_ID (random, 16 bytes), beside the
public key it publishes. The PIN comes from the settings and is never logged, shown or put in an error.

One `Token` serves a process: the module is loaded and a session logged in on first use (so a server that forks
its workers opens the token in each worker), and the one session is shared under a lock, which is how most
HSMs like to be driven. A refused PIN is not tried again until the process restarts: an HSM locks its user
after a few wrong PINs, and a web server retrying on every request would lock it within seconds.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import cast

import pkcs11
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_named_curve_parameters

from badges.errors import Unavailable

ED25519_OID = "1.3.101.112"  # id-Ed25519 (RFC 8410): the curve's EC_PARAMS, as PKCS#11 3.0 names it
KEY_ID_BYTES = 16
NOT_WORTH_RETRYING = (pkcs11.MechanismInvalid, pkcs11.KeyTypeInconsistent, pkcs11.FunctionNotSupported,
                      pkcs11.DataLenRange)  # errors a fresh session would only repeat
PROBE = b"badges: a new key's first signature, checked before the key is published"


@dataclass(frozen=True, slots=True)
class TokenConfig:
    """Where the keys live: the PKCS#11 module (a .so path), the token's label and the user PIN."""

    module: str
    token_label: str
    pin: str = field(repr=False)  # never in a repr, a log line or an error


class Token:
    """One PKCS#11 token: generate Ed25519 keys in it and sign with them by CKA_ID."""

    def __init__(self, config: TokenConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._session: pkcs11.Session | None = None
        self._keys: dict[bytes, pkcs11.SignMixin] = {}
        self._refused: Unavailable | None = None

    @property
    def label(self) -> str:
        return self.config.token_label

    def generate(self, *, label: str) -> tuple[bytes, Ed25519PublicKey]:
        """A new Ed25519 key pair in the token, labelled `label`: (its CKA_ID, its public key). The private half
        is sensitive and not extractable; its first signature is checked before the key is handed out."""
        key_id = secrets.token_bytes(KEY_ID_BYTES)
        with self._lock:
            session = self._open()
            try:
                params = session.create_domain_parameters(
                    KeyType.EC_EDWARDS, {Attribute.EC_PARAMS: encode_named_curve_parameters(ED25519_OID)},
                    local=True)
                public, private = params.generate_keypair(
                    mechanism=Mechanism.EC_EDWARDS_KEY_PAIR_GEN, store=True, id=key_id, label=label,
                    public_template={Attribute.VERIFY: True, Attribute.PRIVATE: False},
                    private_template={Attribute.SIGN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True,
                                      Attribute.EXTRACTABLE: False, Attribute.DERIVE: False})
                point = public[Attribute.EC_POINT]
                signer = self._keys[key_id] = cast(pkcs11.SignMixin, private)
                signature = signer.sign(PROBE, mechanism=Mechanism.EDDSA)
            except pkcs11.PKCS11Error as e:
                self._forget()
                raise self._failed("generate a key in", e) from None
        public_key = _public_key(point)
        try:
            public_key.verify(signature, PROBE)
        except InvalidSignature:
            raise Unavailable("keys.hsm_failed", f"The key the PKCS#11 token {self.label!r} made signs with "
                              "signatures that do not verify; it was not used.") from None
        return key_id, public_key

    def public_key(self, key_id: bytes) -> Ed25519PublicKey:
        """The public half of the token's key `key_id`."""
        with self._lock:
            session = self._open()
            try:
                public = session.get_key(object_class=ObjectClass.PUBLIC_KEY, key_type=KeyType.EC_EDWARDS,
                                         id=key_id)
                point = public[Attribute.EC_POINT]
            except pkcs11.NoSuchKey:
                raise self._missing(key_id) from None
            except pkcs11.PKCS11Error as e:
                self._forget()
                raise self._failed("read a public key from", e) from None
        return _public_key(point)

    def sign(self, key_id: bytes, data: bytes) -> bytes:
        """The Ed25519 signature of `data` by the token's key `key_id` (a session lost since the last call,
        e.g. to a restarted HSM, is opened again once)."""
        for attempt in (1, 2):
            with self._lock:
                session = self._open()
                try:
                    return bytes(self._private(session, key_id).sign(data, mechanism=Mechanism.EDDSA))
                except pkcs11.NoSuchKey:
                    raise self._missing(key_id) from None
                except pkcs11.PKCS11Error as e:
                    self._forget()
                    if attempt == 2 or isinstance(e, NOT_WORTH_RETRYING):
                        raise self._failed("sign with", e) from None
        raise AssertionError("unreachable")

    def signer(self, key_id: bytes, verification_method: str) -> TokenSigner:
        """A Signer (badges.proofs) whose every signature is made in the token."""
        return TokenSigner(self, key_id, verification_method)

    def close(self) -> None:
        """Log out and close the session (the next use opens a new one)."""
        with self._lock:
            self._forget()

    def _open(self) -> pkcs11.Session:
        if self._refused is not None:
            raise self._refused
        if self._session is not None:
            return self._session
        module, label = self.config.module, self.config.token_label
        try:
            lib = pkcs11.lib(module)
        except pkcs11.PKCS11Error as e:
            raise Unavailable("keys.hsm_module", f"The PKCS#11 module {module} cannot be loaded ({e}); check "
                              "BADGES_PKCS11_MODULE.") from None
        try:
            token = lib.get_token(token_label=label)
        except pkcs11.NoSuchToken:
            raise Unavailable("keys.hsm_token_missing", f"There is no PKCS#11 token labelled {label!r} in "
                              f"{module}; check BADGES_PKCS11_TOKEN_LABEL and that the HSM is connected.") from None
        except pkcs11.PKCS11Error as e:
            raise self._failed("find", e) from None
        try:
            self._session = token.open(rw=True, user_pin=self.config.pin)
        except pkcs11.UserAlreadyLoggedIn:  # another session of this process is: a new one shares its login
            self._session = token.open(rw=True)
        except pkcs11.PinIncorrect:
            self._refused = Unavailable(
                "keys.hsm_pin_incorrect", f"The PKCS#11 token {label!r} refused the PIN: set BADGES_PKCS11_PIN "
                "(or the instance file pkcs11_pin) to the token's user PIN and restart. It is not tried again "
                "until then, so that the token does not lock.")
            raise self._refused from None
        except pkcs11.PinLocked:
            self._refused = Unavailable("keys.hsm_pin_locked", f"The PKCS#11 token {label!r} has locked its "
                                        "user PIN after too many wrong tries; its security officer must unlock it.")
            raise self._refused from None
        except (pkcs11.PinInvalid, pkcs11.PinLenRange, pkcs11.PinExpired, pkcs11.UserPinNotInitialized):
            self._refused = Unavailable("keys.hsm_pin_incorrect", f"The PKCS#11 token {label!r} refused the PIN "
                                        "(malformed, expired or never set): check BADGES_PKCS11_PIN and the token, and restart.")
            raise self._refused from None
        except pkcs11.PKCS11Error as e:
            raise self._failed("log in to", e) from None
        return self._session

    def _private(self, session: pkcs11.Session, key_id: bytes) -> pkcs11.SignMixin:
        key = self._keys.get(key_id)
        if key is None:
            key = self._keys[key_id] = cast(pkcs11.SignMixin, session.get_key(
                object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC_EDWARDS, id=key_id))
        return key

    def _forget(self) -> None:
        """Drop the session after an error: the next call opens a fresh one."""
        session, self._session = self._session, None
        self._keys.clear()
        if session is not None:
            try:
                session.close()
            except pkcs11.PKCS11Error:
                pass  # the session, the token or the module went away: nothing is left to close

    def _missing(self, key_id: bytes) -> Unavailable:
        return Unavailable("keys.hsm_key_missing", f"The signing key with CKA_ID {key_id.hex()} is not in the "
                           f"PKCS#11 token {self.label!r}: it was deleted, or this is another token.")

    def _failed(self, doing: str, error: pkcs11.PKCS11Error) -> Unavailable:
        return Unavailable("keys.hsm_failed", f"Could not {doing} the PKCS#11 token {self.label!r} "
                           f"({type(error).__name__}); nothing was signed or changed.")


class TokenSigner:
    """A Signer over a key that stays in the token."""

    def __init__(self, token: Token, key_id: bytes, verification_method: str) -> None:
        self._token = token
        self._key_id = key_id
        self.verification_method = verification_method

    def sign(self, data: bytes) -> bytes:
        return self._token.sign(self._key_id, data)


def _public_key(point: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from CKA_EC_POINT: a DER OCTET STRING (PKCS#11 3.0), or the 32 raw bytes some
    modules return."""
    raw = bytes(point)
    if len(raw) == 34 and raw[:2] == b"\x04\x20":  # OCTET STRING, 32 bytes
        raw = raw[2:]
    if len(raw) != 32:
        raise Unavailable("keys.hsm_failed", "The PKCS#11 token returned a public key that is not Ed25519.")
    return Ed25519PublicKey.from_public_bytes(raw)
