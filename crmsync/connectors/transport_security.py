"""Tokens travel over TLS: plain ``http://`` is only for an emulator on this machine.

A bearer token sent over plain HTTP can be read by anyone on the path, so a CRM URL
must be ``https://``; ``http://`` is accepted only for a loopback host (``127.0.0.0/8``,
``::1``, ``localhost``), where the local emulators run.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from crmsync.errors import ConfigurationError


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure_url(url: str, *, setting: str) -> None:
    """Refuse (one line, naming ``setting``) a URL that would send a token in clear."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and is_loopback_host(parts.hostname):
        return
    if parts.scheme == "http":
        raise ConfigurationError(
            f"{setting} {url!r} is plain http to {parts.hostname}: use https:// "
            "(plain http is only for an emulator on 127.0.0.1 or localhost)"
        )
    raise ConfigurationError(f"{setting} {url!r} is not an https:// URL")
