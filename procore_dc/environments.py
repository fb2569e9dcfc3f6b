"""Where Procore lives: the login (OAuth) host and the API host of each environment.

Hosts come from Procore's "Development Environments" page (procore-api.md section 1.1).
Tokens and credentials are not shared between production and the Developer Sandbox.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import ClassVar, Optional
from urllib.parse import urlsplit

import attrs

from procore_dc.exceptions import ConfigurationError

__all__ = ["Environment", "is_loopback_host"]


def is_loopback_host(host: str) -> bool:
    """Return whether ``host`` is ``localhost`` or an address in 127.0.0.0/8 or ``::1``.

    .. code-block:: python

        >>> is_loopback_host("127.0.0.1"), is_loopback_host("api.procore.com")
        (True, False)
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str, what: str) -> str:
    text = str(url).strip().rstrip("/")
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise ConfigurationError(f"{what} {text!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigurationError(
            f"{what} {text!r} is not an http(s) URL; use e.g. https://api.procore.com"
        )
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ConfigurationError(
            f"{what} {text!r} uses plain http to a non-loopback host; tokens would travel in "
            "clear text. Use https (plain http is allowed only for 127.0.0.1, ::1 and localhost)"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigurationError(
            f"{what} {text!r} must be a base URL without credentials, query or fragment"
        )
    return text


def _strip_url(value: object) -> str:
    return str(value).strip().rstrip("/")


def _file_hosts(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise ConfigurationError(
            f"file_hosts must be a sequence of base URLs, got {type(value).__name__}"
        )
    return tuple(_strip_url(item) for item in value)


def _origin(url: str) -> tuple[str, str]:
    """``(scheme, host[:port])`` as requests would connect, default ports dropped."""
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
    except ValueError:
        return ("", "")
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    scheme = parts.scheme.lower()
    default = {"https": 443, "http": 80}.get(scheme)
    netloc = f"{host}:{port}" if port and port != default else host
    return (scheme, netloc)


def _matches(pattern: str, origin: tuple[str, str]) -> bool:
    scheme, netloc = _origin(pattern.replace("*.", "", 1))
    if not netloc or scheme != origin[0]:
        return False
    if "://*." in pattern:
        # A wildcard names a domain: any host under it (default port only), not the bare domain.
        return origin[1].endswith("." + netloc)
    return origin[1] == netloc


@attrs.frozen
class Environment:
    """One Procore environment: a name, the login (OAuth) base URL, the API base URL and the
    hosts that serve Procore's files.

    Use the constants ``Environment.PRODUCTION``, ``Environment.SANDBOX``,
    ``Environment.MONTHLY_SANDBOX`` and ``Environment.FEDERAL``, or :meth:`local` for a server
    on your machine such as ``procore_dc.testing.FakeProcore``.

    ``file_hosts`` lists where file links point: base URLs, or ``https://*.domain`` for every
    host under a domain. Procore requires the bearer token on file links under its own domains
    (``*.procore.com``) and forbids sending it anywhere else, redirects included (Procore's
    "Working with Secure File Access"); :meth:`owns` is the one place that decides.

    .. code-block:: python

        >>> Environment.from_name("sandbox").api_url
        'https://sandbox.procore.com'
        >>> Environment.local("http://127.0.0.1:8080").login_url
        'http://127.0.0.1:8080'
        >>> Environment.PRODUCTION.owns("https://storage.procore.com/api/v5/files/1")
        True
    """

    name: str
    login_url: str = attrs.field(converter=_strip_url)
    api_url: str = attrs.field(converter=_strip_url)
    file_hosts: tuple[str, ...] = attrs.field(default=(), converter=_file_hosts)

    PRODUCTION: ClassVar[Environment]
    SANDBOX: ClassVar[Environment]
    MONTHLY_SANDBOX: ClassVar[Environment]
    FEDERAL: ClassVar[Environment]

    def __attrs_post_init__(self) -> None:
        _check_url(self.login_url, "login_url")
        _check_url(self.api_url, "api_url")
        for host in self.file_hosts:
            _check_url(host.replace("://*.", "://", 1), "file host")

    def owns(self, url: str) -> bool:
        """Whether the bearer token may go to ``url``: the API host or a Procore file host.

        Scheme, host and port must match; anything else (S3, a CDN, a redirect target off
        Procore's domains) gets no token.

        .. code-block:: python

            >>> Environment.PRODUCTION.owns("https://api.procore.com/rest/v1.0/me")
            True
            >>> Environment.PRODUCTION.owns("https://s3.amazonaws.com/bucket/key")
            False
        """
        origin = _origin(url)
        if not origin[1]:
            return False
        if origin == _origin(self.api_url):
            return True
        return any(_matches(pattern, origin) for pattern in self.file_hosts)

    def is_api(self, url: str) -> bool:
        """Whether ``url`` is on the API host: ``host[:port]`` as requests would connect.

        Host names compare case-insensitively, IPv6 hosts with their brackets, and a default
        port (443 for https, 80 for http) is the same as none. The scheme is not compared;
        :meth:`owns` also compares it before a token may go.

        .. code-block:: python

            >>> Environment.PRODUCTION.is_api("https://API.procore.com:443/rest/v1.0/me")
            True
            >>> Environment.PRODUCTION.is_api("https://api.procore.com:8443/rest/v1.0/me")
            False
        """
        netloc = _origin(url)[1]
        return bool(netloc) and netloc == _origin(self.api_url)[1]

    @property
    def api_host(self) -> str:
        """The ``host[:port]`` of the API URL, lower-cased, as requests would send it."""
        return _origin(self.api_url)[1]

    @property
    def login_host(self) -> str:
        """The ``host[:port]`` of the login URL, lower-cased."""
        return _origin(self.login_url)[1]

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint, ``<login_url>/oauth/token``."""
        return f"{self.login_url}/oauth/token"

    @property
    def authorize_url(self) -> str:
        """The OAuth authorization endpoint, ``<login_url>/oauth/authorize``."""
        return f"{self.login_url}/oauth/authorize"

    @property
    def revoke_url(self) -> str:
        """The OAuth revocation endpoint, ``<login_url>/oauth/revoke``."""
        return f"{self.login_url}/oauth/revoke"

    @classmethod
    def local(
        cls,
        api_url: str,
        login_url: Optional[str] = None,
        file_urls: Sequence[str] = (),
    ) -> Environment:
        """An environment on a URL of your choosing, e.g. a local sandbox.

        :param api_url: the API base URL
        :param login_url: the OAuth base URL (default: the same as ``api_url``)
        :param file_urls: base URLs of hosts serving file links that take the bearer token
            (default: none)
        :raises ConfigurationError: for plain http to a host that is not loopback
        """
        api = _check_url(api_url, "api_url")
        login = _check_url(login_url, "login_url") if login_url else api
        files = tuple(_check_url(url, "file_url") for url in _file_hosts(file_urls))
        return cls(name="local", login_url=login, api_url=api, file_hosts=files)

    @classmethod
    def from_name(cls, text: str) -> Environment:
        """Parse ``production``, ``sandbox``, ``monthly-sandbox``, ``federal`` or a URL.

        A URL that is one of the known API or login URLs gives that environment; any other URL
        gives :meth:`local`.

        :raises ConfigurationError: for an unknown name or an unsafe URL
        """
        key = str(text).strip()
        named = _NAMES.get(key.lower().replace("_", "-"))
        if named is not None:
            return named
        if "://" in key:
            url = key.rstrip("/")
            for env in (cls.PRODUCTION, cls.SANDBOX, cls.MONTHLY_SANDBOX, cls.FEDERAL):
                if url in (env.api_url, env.login_url):
                    return env
            return cls.local(url)
        raise ConfigurationError(
            f"unknown Procore environment {key!r}; use production, sandbox, monthly-sandbox, "
            "federal or a base URL such as http://127.0.0.1:8080"
        )


# File links live under Procore's domain (e.g. storage.procore.com/api/v5/files/...), which
# requires the bearer token since 2023 and redirects to S3 (DOC secure_file_access_tips.md).
_PROCORE_FILES = ("https://*.procore.com",)

Environment.PRODUCTION = Environment(
    "production", "https://login.procore.com", "https://api.procore.com", _PROCORE_FILES
)
Environment.SANDBOX = Environment(
    "sandbox", "https://login-sandbox.procore.com", "https://sandbox.procore.com", _PROCORE_FILES
)
Environment.MONTHLY_SANDBOX = Environment(
    "monthly-sandbox",
    "https://login-sandbox-monthly.procore.com",
    "https://api-monthly.procore.com",
    _PROCORE_FILES,
)
# Federal Zone hosts: DOC platform_concepts/federal_zone_overview.md. Its file host domain is
# not documented; *.procoregov.com is our assumption (docs/procore-assumptions.rst).
Environment.FEDERAL = Environment(
    "federal",
    "https://login.procoregov.com",
    "https://api.procoregov.com",
    ("https://*.procoregov.com",),
)

_NAMES = {
    "production": Environment.PRODUCTION,
    "prod": Environment.PRODUCTION,
    "sandbox": Environment.SANDBOX,
    "development-sandbox": Environment.SANDBOX,
    "monthly-sandbox": Environment.MONTHLY_SANDBOX,
    "monthly": Environment.MONTHLY_SANDBOX,
    "federal": Environment.FEDERAL,
    "federal-zone": Environment.FEDERAL,
}
