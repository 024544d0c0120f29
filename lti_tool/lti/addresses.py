"""Which hosts the tool may call as a platform: in production never one on the tool's own network.

A registration's URLs are where the tool's server sends requests (key sets, tokens, dynamic
registration). An address on loopback, a private range or link-local (cloud metadata lives at
169.254.169.254) would let whoever can set those URLs make the server probe its own network, so
production refuses them unless PLATFORM_URL_ALLOW_INTERNAL names the host or its network (an LMS
on the campus network). Development and tests only warn: the sandbox and test platforms run on
localhost.

Host names are resolved, and every address they resolve to must be public: a name pointing at
127.0.0.1 is as internal as the literal. (A name re-pointed after the check is not caught here;
the check runs again at each registration change and dynamic registration fetch.)
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[str]]


class InternalAddressError(ValueError):
    """The URL's host is on an internal network and the installation does not allow it."""


def _resolve(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def _is_internal(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # is_global is False for loopback, RFC 1918, link-local, CGNAT, unspecified and reserved.
    return not address.is_global or address.is_multicast


@dataclass(frozen=True)
class AddressPolicy:
    """refuse: production (raise); otherwise warn. allowed: host names or networks that may be
    internal all the same."""

    refuse: bool
    allowed: tuple[str, ...] = ()
    resolver: Resolver = field(default=_resolve, compare=False, repr=False)

    @classmethod
    def from_settings(cls, is_production: bool, allow_internal: str) -> AddressPolicy:
        allowed = tuple(a.strip().lower() for a in allow_internal.split(",") if a.strip())
        return cls(refuse=is_production, allowed=allowed)

    def _allowed(self, host: str, addresses: Iterable[IpAddress]) -> bool:
        if host in self.allowed:
            return True
        networks = []
        for entry in self.allowed:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                continue  # a host name entry
        return all(any(a in n for n in networks) for a in addresses)

    def check(self, name: str, url: str) -> str | None:
        """None when the URL may be used; a warning (development) or InternalAddressError
        (production) when its host is internal."""
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        if not host:
            return None  # the URL's form is checked elsewhere
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in self.resolver(host)]
            except (OSError, UnicodeError, ValueError) as exc:
                if self.refuse:
                    raise InternalAddressError(
                        f"{name}: the host {host} could not be resolved, so the tool cannot "
                        "check that it is not on an internal network"
                    ) from exc
                return None
        internal = [str(a) for a in addresses if _is_internal(a)]
        if not internal or self._allowed(host, addresses):
            return None
        message = (
            f"{name}: {host} is on an internal network ({', '.join(internal)}); production "
            "refuses it unless PLATFORM_URL_ALLOW_INTERNAL names it"
        )
        if self.refuse:
            raise InternalAddressError(message)
        log.warning("platform URL on an internal address (allowed outside production): %s", message)
        return message


def current_policy() -> AddressPolicy:
    """The installation's policy (from the app's settings); outside an app, the strict one."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return AddressPolicy(refuse=True)
    settings = current_app.extensions["coproduce.settings"]
    return AddressPolicy.from_settings(settings.is_production, settings.PLATFORM_URL_ALLOW_INTERNAL)
