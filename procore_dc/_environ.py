"""What requests reads from the environment on every call, read once per Session.

With ``trust_env`` on, ``requests.Session`` re-reads the proxy variables on every request (twice:
once for the proxies, once for ``NO_PROXY``, each a scan of ``os.environ``), ``~/.netrc`` and the
CA-bundle variables: about a fifth of a keep-alive call's cost on loopback. :class:`SendSettings`
gives them the meaning requests gives them, with requests' own helpers, but reads them once:
the CA bundle when the Session is built, the proxies for a target (scheme, host and port) the
first time the Session sends there. ``~/.netrc`` is never read: every request carries the SDK's
own auth (the token, or an explicit none for storage URLs).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Optional, Union

import requests
from requests.utils import get_environ_proxies

from procore_dc.exceptions import ConfigurationError

__all__ = ["EnvironmentSession", "SendSettings", "Verify"]

Verify = Union[bool, str]

#: Targets whose proxies a Session remembers; more distinct hosts (storage URLs) are resolved
#: on each call instead of growing the cache without bound.
MAX_TARGETS = 256


def _target(url: str) -> str:
    """``scheme://netloc`` of ``url``, lower-cased: what the proxy choice depends on."""
    scheme, _, rest = url.partition("://")
    for end in "/?#":
        rest = rest.split(end, 1)[0]
    return f"{scheme}://{rest}".lower()


def check_proxies(value: Any) -> dict[str, str]:
    """A copy of an explicit ``proxies=`` mapping, as requests takes it (``{"https": url}``)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigurationError(
            "proxies must map a scheme (or scheme://host) to a proxy URL, e.g. "
            "{'https': 'http://proxy.example:3128'}"
        )
    return dict(value)


class SendSettings:
    """The ``proxies``, ``verify`` and ``cert`` a Session sends with, resolved once.

    :param http: the ``requests.Session`` the calls go through (its ``proxies``, ``verify`` and
        ``cert`` are the explicit settings, as are ``proxies`` and ``verify``)
    :param trust_env: read ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``/``NO_PROXY`` and
        ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``
    """

    def __init__(
        self,
        http: requests.Session,
        *,
        trust_env: bool,
        proxies: Mapping[str, str],
        verify: Optional[Verify],
        api_url: str = "",
    ) -> None:
        explicit = dict(http.proxies or {})
        explicit.update(proxies)
        if verify is None:
            verify = http.verify
            if trust_env and verify in (True, None):
                verify = (
                    os.environ.get("REQUESTS_CA_BUNDLE")
                    or os.environ.get("CURL_CA_BUNDLE")
                    or verify
                )
        self.trust_env = trust_env
        self.verify: Verify = True if verify is None else verify
        self._explicit = explicit
        self._cert = http.cert
        self._by_target: dict[str, dict[str, Any]] = {}
        # Most calls go to the API: its settings without working out the target each time.
        self._api_prefix = ""
        self._api_kwargs: dict[str, Any] = {}
        if api_url:
            self._api_kwargs = self.send_kwargs(api_url)
            self._api_prefix = api_url + "/"

    def proxies_for(self, url: str) -> dict[str, str]:
        """The proxies for ``url``: the environment's for its host, explicit ones winning.

        requests itself lets the environment win over ``requests.Session.proxies``
        (psf/requests#2018); here what you set in code wins.
        """
        return dict(self.send_kwargs(url)["proxies"])

    def send_kwargs(self, url: str) -> dict[str, Any]:
        """The keyword arguments for ``requests.Session.send`` to ``url`` (do not mutate)."""
        if self._api_prefix and url.startswith(self._api_prefix):
            return self._api_kwargs
        target = _target(url)
        kwargs = self._by_target.get(target)
        if kwargs is None:
            proxies: dict[str, str] = {}
            if self.trust_env:
                # requests' own reading: NO_PROXY (or an explicit "no_proxy" key) and the
                # proxy variables, for this host and port.
                proxies.update(get_environ_proxies(url, no_proxy=self._explicit.get("no_proxy")))
            proxies.update(self._explicit)
            kwargs = {"proxies": proxies, "verify": self.verify, "cert": self._cert}
            if len(self._by_target) < MAX_TARGETS:
                self._by_target[target] = kwargs
        return kwargs


class EnvironmentSession(requests.Session):
    """The ``requests.Session`` a Session makes for itself: the environment read once.

    ``trust_env`` is off, so requests never reads the environment or ``~/.netrc`` (not even on
    a redirect, where requests would add ``.netrc`` credentials for the new host); a redirect
    takes the proxies of its new target from :attr:`settings`.
    """

    settings: Optional[SendSettings] = None

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False

    def rebuild_proxies(
        self, prepared_request: requests.PreparedRequest, proxies: Optional[dict[str, str]]
    ) -> dict[str, str]:
        if self.settings is not None and prepared_request.url:
            proxies = self.settings.proxies_for(prepared_request.url)
        rebuilt: dict[str, str] = super().rebuild_proxies(  # type: ignore[no-untyped-call]
            prepared_request, proxies
        )
        return rebuilt
