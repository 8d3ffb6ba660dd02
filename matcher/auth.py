"""Hub sign-in: salted PBKDF2 hashes compared in constant time, and a throttle on repeated failures.

The clear password is never stored or logged: HUB_PASSWORD_HASH holds `pbkdf2_sha256$iters$salt$hex`;
a plain HUB_PASSWORD is accepted for local use and hashed in memory at once.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time

from .i18n import _

ITERATIONS = 200_000


def hash_password(password: str, salt: str | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        algo, iters, salt, hexdigest = stored.split("$")
        if algo != "pbkdf2_sha256":
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), int(iters))
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(digest.hex(), hexdigest)


def configured_hash(secrets_map: dict | None = None) -> str | None:
    """The hub password hash from Streamlit secrets or the environment; None when sign-in is not set up."""
    secrets_map = secrets_map or {}
    stored = secrets_map.get("HUB_PASSWORD_HASH") or os.environ.get("HUB_PASSWORD_HASH")
    if stored:
        return stored
    plain = secrets_map.get("HUB_PASSWORD") or os.environ.get("HUB_PASSWORD")
    if plain:
        return _hashed_plain(plain)
    return None


_PLAIN_CACHE: dict[str, str] = {}


def _hashed_plain(plain: str) -> str:
    key = hashlib.sha256(plain.encode()).hexdigest()
    if key not in _PLAIN_CACHE:
        _PLAIN_CACHE[key] = hash_password(plain)
    return _PLAIN_CACHE[key]


class Throttle:
    """After `free` failures, each further attempt must wait twice as long as the last (capped)."""

    def __init__(self, free: int = 3, base_seconds: float = 2.0, cap_seconds: float = 300.0, clock=time.monotonic):
        self.free, self.base, self.cap, self.clock = free, base_seconds, cap_seconds, clock
        self._failures: dict[str, int] = {}
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, key: str) -> float:
        with self._lock:
            return max(0.0, self._blocked_until.get(key, 0.0) - self.clock())

    def attempt(self, key: str, password: str, stored: str | None) -> tuple[bool, str]:
        """(ok, message). A blocked key is refused without checking the password."""
        wait = self.wait_seconds(key)
        if wait > 0:
            return False, _("Too many failed attempts. Try again in {seconds} s.").format(seconds=f"{wait:.0f}")
        if stored is None:
            return False, _("Hub sign-in is not configured: set HUB_PASSWORD_HASH (or HUB_PASSWORD) in the environment or Streamlit secrets.")
        if verify_password(password, stored):
            with self._lock:
                self._failures.pop(key, None)
                self._blocked_until.pop(key, None)
            return True, _("Signed in.")
        with self._lock:
            n = self._failures.get(key, 0) + 1
            self._failures[key] = n
            if n >= self.free:
                self._blocked_until[key] = self.clock() + min(self.cap, self.base * 2 ** (n - self.free))
        return False, _("Wrong password.")


SESSION_SECONDS = 8 * 3600  # a hub sign-in survives reloads for one working day
SESSION_COOKIE = "cpm_hub_session"


def session_key(secrets_map: dict | None = None) -> bytes | None:
    """The key that signs hub sessions: HUB_SESSION_SECRET when set, else derived from the configured
    password (hash or plain), so changing the password ends every session. None when sign-in is off."""
    secrets_map = secrets_map or {}
    base = (secrets_map.get("HUB_SESSION_SECRET") or os.environ.get("HUB_SESSION_SECRET")
            or secrets_map.get("HUB_PASSWORD_HASH") or os.environ.get("HUB_PASSWORD_HASH"))
    if not base:
        plain = secrets_map.get("HUB_PASSWORD") or os.environ.get("HUB_PASSWORD")
        base = hashlib.sha256(plain.encode()).hexdigest() if plain else None
    return hashlib.sha256(b"cpm-hub-session|" + base.encode()).digest() if base else None


def issue_session(key: bytes, now: float | None = None, seconds: int = SESSION_SECONDS) -> str:
    """A signed, expiring session token: `<expiry>.<hmac>`; it holds no password and no personal data."""
    expiry = int((now if now is not None else time.time()) + seconds)
    mac = hmac.new(key, f"hub|{expiry}".encode(), hashlib.sha256).hexdigest()
    return f"{expiry}.{mac}"


def session_valid(token: str | None, key: bytes | None, now: float | None = None) -> bool:
    if not token or not key:
        return False
    try:
        expiry_s, mac = token.split(".", 1)
        expiry = int(expiry_s)
    except ValueError:
        return False
    good = hmac.new(key, f"hub|{expiry}".encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(good, mac) and (now if now is not None else time.time()) < expiry


if __name__ == "__main__":  # python -m matcher.auth : print a hash for HUB_PASSWORD_HASH
    import getpass

    print(hash_password(getpass.getpass("Hub password: ")))
