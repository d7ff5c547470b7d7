"""Keys and certificates for the JWT bearer flow, made fresh for each test run."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import webbrowser
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class KeyPair:
    """A PEM private key and the self-signed certificate that holds its public key."""

    private_pem: bytes
    certificate_pem: str


def make_key_pair() -> KeyPair:
    """A 2048-bit RSA key and a self-signed certificate, as ``openssl req -x509`` makes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crmsync integration")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return KeyPair(
        private_pem=private_pem,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
    )


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class ApprovingBrowser(webbrowser.BaseBrowser):
    """A "browser" that loads the authorize URL and follows its redirect to the callback,
    as a person clicking Allow does (registered with :mod:`webbrowser`, used by ``--open``).
    """

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        def visit() -> None:
            httpx.get(url, follow_redirects=True, timeout=10)

        threading.Thread(target=visit, daemon=True).start()
        return True


def install_approving_browser() -> None:
    """Make ``webbrowser.open`` use :class:`ApprovingBrowser` in this process."""
    webbrowser.register(
        "crmsync-approving", None, ApprovingBrowser("crmsync-approving"), preferred=True
    )


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
