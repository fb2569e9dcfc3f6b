"""Service-account auth: the OAuth Client Credentials grant of a Developer Managed Service
Account (DMSA).

There is no refresh token: when the token nears expiry, or the API answers 401, the strategy
simply runs the client-credentials grant again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Callable, Optional, Union

import requests

from procore_dc import _settings as settings
from procore_dc._settings import SETTINGS
from procore_dc.auth._oauth import (
    DEFAULT_TOKEN_TIMEOUT,
    OutcomeUnknownError,
    parse_token_body,
    post_form,
)
from procore_dc.auth.base import AuthStrategy
from procore_dc.auth.stores import TokenStore
from procore_dc.auth.tokens import Token
from procore_dc.environments import Environment
from procore_dc.exceptions import ConfigurationError, TransportError

__all__ = ["ServiceAccountAuth"]


class ServiceAccountAuth(AuthStrategy):
    """Authorize as the app's service account (Client Credentials, DMSA).

    The token reaches every company where the app is installed, so each API call needs a
    ``Procore-Company-Id`` header, ``/me`` and ``/companies`` included
    (:attr:`requires_company_id` is ``True``).

    :param client_id: the app's client id
    :param client_secret: the app's client secret (never shown in ``repr``, logs or errors)
    :param environment: the Procore environment (default: ``Environment.PRODUCTION``)
    :param store: where the token is kept (default: memory)
    :param leeway: seconds before expiry to fetch a new token (default: ``None``,
        ``min(300 s, 10 % of the lifetime)``)
    :param clock: returns the current aware time (default: the system clock)
    :param http: a plain ``requests.Session`` for token requests (default: a private one)
    :param timeout: (connect, read) seconds for token requests (default: ``(10, 30)``)
    :raises ConfigurationError: for a missing id or secret, or an unsafe environment

    .. code-block:: python

        auth = ServiceAccountAuth("client-id", "client-secret",
                                  environment=Environment.SANDBOX)
        token = auth.ensure_valid()
    """

    requires_company_id = True

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        environment: Environment = Environment.PRODUCTION,
        store: Optional[TokenStore] = None,
        leeway: Optional[float] = None,
        clock: Optional[Callable[[], datetime]] = None,
        http: Optional[requests.Session] = None,
        timeout: Union[float, tuple[float, float]] = DEFAULT_TOKEN_TIMEOUT,
    ) -> None:
        if not isinstance(client_secret, str) or not client_secret:
            raise ConfigurationError(
                "ServiceAccountAuth needs the app's client_secret (the client credentials "
                "grant cannot work without it)"
            )
        super().__init__(
            client_id,
            client_secret,
            environment=environment,
            store=store,
            leeway=leeway,
            clock=clock,
            http=http,
            timeout=timeout,
        )

    @classmethod
    def from_env(
        cls,
        environ: Optional[Mapping[str, str]] = None,
        *,
        store: Optional[TokenStore] = None,
        leeway: Optional[float] = None,
        http: Optional[requests.Session] = None,
    ) -> ServiceAccountAuth:
        """Build from ``PROCORE_CLIENT_ID``, ``PROCORE_CLIENT_SECRET`` and
        ``PROCORE_ENVIRONMENT`` (``production``, ``sandbox``, ``monthly-sandbox`` or a URL;
        default: production).

        ``PROCORE_LOGIN_URL``, when set, overrides the environment's login (OAuth) base URL:
        a local server such as ``FakeProcore`` serves OAuth on its own port.

        :param environ: the variables to read (default: ``os.environ``)
        :param store: where the token is kept (default: memory)
        :param leeway: see the constructor
        :param http: see the constructor
        :raises ConfigurationError: naming each missing variable, or an unknown environment

        .. code-block:: python

            auth = ServiceAccountAuth.from_env()
        """
        missing = [
            SETTINGS[name].env
            for name in ("client_id", "client_secret")
            if settings.text(name, environ) is None
        ]
        if missing:
            raise ConfigurationError(
                f"set {' and '.join(missing)} to the app's credentials from the Procore "
                "Developer Portal"
            )
        return cls(
            str(settings.text("client_id", environ)),
            str(settings.text("client_secret", environ)),
            environment=settings.environment(environ),
            store=store,
            leeway=leeway,
            http=http,
        )

    def _renew(self, http: requests.Session, current: Optional[Token]) -> Token:
        from procore_dc.auth._oauthlib import BackendApplicationClient

        client = BackendApplicationClient(client_id=self.client_id)
        # Credentials go in the form body, as Procore documents; not HTTP Basic.
        body = client.prepare_request_body(
            include_client_id=True, client_secret=self._client_secret
        )
        url = self.environment.token_url
        started = self._now()
        try:
            response = post_form(
                http, url, body, timeout=self.timeout, what="client credentials grant"
            )
        except OutcomeUnknownError as exc:
            # No single-use secret is at stake here: asking again is safe.
            raise TransportError(
                "client credentials grant: no answer from the token endpoint; try again",
                method="POST",
                url=url,
            ) from exc
        return Token.from_response(parse_token_body(client, response), started)
