"""One authorized, retrying, rate-limit-aware connection to the Procore REST API.

A :class:`Session` turns ``session.get_json("/rest/v1.0/projects", params=...)`` into an HTTP
call: it joins the path to the environment's API URL, adds the ``Procore-Company-Id`` and SDK
headers, lets the auth strategy add the bearer token, retries by its
:class:`~procore_dc.retry.RetryPolicy` (urllib3, mounted on the ``requests`` adapter), waits
when the rate-limit window is used up,
renews the token once on a 401, and turns every failure into an exception from
:mod:`procore_dc.exceptions`::

    no response at all           -> TransportError (the requests/urllib3 error is __cause__)
    a body past the size limit   -> ResponseTooLargeError (a TransportError; connection dropped)
    the call's deadline passed   -> TimeoutError (a TransportError), retries and waits included
    status >= 400                -> APIError.from_response: NotFoundError, RateLimitError, ...
    2xx whose body is not JSON   -> ResponseFormatError (get_json and friends)

Resource clients build on :meth:`Session.get_json` and friends and on :meth:`Session.paginate`.
"""

from __future__ import annotations

import copy
import json as _json
import platform
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Optional, TypeVar, Union, overload
from urllib.parse import urlsplit

import requests
import requests.utils
from requests.exceptions import (
    ChunkedEncodingError,
    ConnectTimeout,
    ReadTimeout,
    RequestException,
    SSLError,
)
from urllib3.exceptions import NewConnectionError, ProtocolError, ReadTimeoutError

from procore_dc._body import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_ERROR_BODY_BYTES,
    deadline_timeout,
    keep_body,
    read_body,
)
from procore_dc._environ import EnvironmentSession, SendSettings, check_proxies
from procore_dc._ids import coerce_optional_id
from procore_dc._prepare import prepare
from procore_dc._redact import (
    get_logger,
    install_log_filter,
    redact_url,
    scrub_exception_chain,
)
from procore_dc._version import __version__
from procore_dc.environments import Environment, _netloc
from procore_dc.exceptions import (
    APIError,
    ConfigurationError,
    ProcoreError,
    RateLimitError,
    ResponseFormatError,
    TimeoutError,
    TransportError,
)
from procore_dc.rate_budget import BudgetScope, RateBudget, check_budget
from procore_dc.rate_limit import RateLimitState
from procore_dc.retry import (
    RetryPolicy,
    attempts_made,
    begin_call,
    continue_after_body_error,
    describe_error,
    end_resume,
    log_attempt,
    rate_pause,
)

if TYPE_CHECKING:
    from procore_dc.auth.base import AuthStrategy
    from procore_dc.pagination import PageIterator

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_ERROR_BODY_BYTES",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "Session",
    "response_json",
]

log = get_logger(__name__)
# urllib3 logs request targets (query strings included) at DEBUG and WARNING.
install_log_filter(("urllib3",))

T = TypeVar("T")

#: The retry policy a session uses unless given one.
DEFAULT_RETRY = RetryPolicy()
#: (connect, read) seconds.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 60.0)

Timeout = Union[float, tuple[float, float]]

#: Header blocks kept per company id; a fleet beyond this many builds the rest per call.
_MAX_COMPANY_HEADERS = 1024

_COMPANY_HINT = (
    "Service account (DMSA) calls need a Procore company id on every request, /me and "
    "/companies included (the Procore-Company-Id header). Pass company_id= to Session(...) or "
    "to this call, or use session.with_company(id). The id is the number after "
    "app.procore.com/ in the company's Procore address, and Company Admin > App Management "
    "lists the companies where the app is installed"
)


def _user_agent(prefix: Optional[str]) -> str:
    ours = (
        f"procore-dc/{__version__} python/{platform.python_version()} "
        f"requests/{requests.__version__}"
    )
    return f"{prefix} {ours}" if prefix else ours


def _check_company_id(value: Any, where: str) -> Optional[int]:
    return coerce_optional_id(value, where, "company id")


def _check_timeout(value: Any, where: str) -> Timeout:
    def number(x: Any) -> bool:
        return not isinstance(x, bool) and isinstance(x, (int, float)) and x > 0

    if number(value):
        return float(value)
    if isinstance(value, tuple) and len(value) == 2 and all(number(x) for x in value):
        return (float(value[0]), float(value[1]))
    raise ConfigurationError(
        f"{where} must be seconds > 0 or a (connect, read) pair such as (10, 60), got {value!r}"
    )


def _check_positive(value: Any, where: str, example: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(f"{where} must be a number > 0 such as {example}, got {value!r}")
    return value


def _bearer_token(header: Optional[str]) -> Optional[str]:
    if not header:
        return None
    scheme, _, token = str(header).partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def response_json(response: requests.Response) -> Any:
    """Decode a 2xx response's JSON body; a 204 or an empty body gives ``None``.

    :raises ResponseFormatError: when the body is not JSON

    .. code-block:: python

        data = response_json(session.request("GET", "/rest/v1.0/me"))
    """
    if response.status_code == 204:
        return None
    body = response.content
    if not body or not body.strip():
        return None
    try:
        return _json.loads(body)
    except (ValueError, RecursionError) as exc:
        request = response.request
        what = f"{request.method} {redact_url(request.url or '')}" if request else "the request"
        content_type = response.headers.get("Content-Type") or "no Content-Type"
        raise ResponseFormatError(
            f"expected JSON from {what} but the {response.status_code} body ({content_type}) is "
            f"not valid JSON: {type(exc).__name__}",
            status_code=response.status_code,
            url=(request.url or "") if request else "",
            body=body[:4096].decode("utf-8", errors="replace"),
        ) from None


def _explain(exc: BaseException) -> str:
    """A sentence saying what went wrong on the wire, without secrets."""
    chain: list[BaseException] = []
    seen: Optional[BaseException] = exc
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        reason = getattr(seen, "reason", None)
        nested = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = reason if isinstance(reason, BaseException) else nested
    if isinstance(exc, ConnectTimeout):
        return "timed out connecting to Procore"
    if isinstance(exc, ReadTimeout):
        return "no response within the read timeout; the server may still have acted on the request"
    if isinstance(exc, SSLError):
        return "the TLS handshake or connection failed"
    if isinstance(exc, ChunkedEncodingError):
        return "the response body broke off before its end"
    if any(isinstance(e, ReadTimeoutError) for e in chain):
        # Retries spent on read timeouts: requests re-raises them as a ConnectionError.
        return "no response within the read timeout; the server may still have acted on the request"
    if any(isinstance(e, NewConnectionError) for e in chain):
        return "could not connect (refused, unreachable or unresolvable)"
    if any(isinstance(e, ProtocolError) for e in chain):
        return "the connection was closed or reset before a complete response arrived"
    return f"the request failed ({describe_error(exc)})"


class Session:
    """Send authorized requests to one Procore environment.

    The environment comes from ``auth``. Paths are joined to its API URL; absolute URLs are
    accepted for the API host only, unless a call passes ``authenticated=False`` (uploads to
    storage URLs), which also leaves out the token, the company id and the SDK headers.

    :param auth: the auth strategy, e.g. ``ServiceAccountAuth`` or ``UserLevelAuth``
    :param company_id: the default ``Procore-Company-Id`` (default: ``None``); each call can
        pass its own. Service-account calls without any raise ``ConfigurationError``
    :param retry: when and how to retry (default: ``RetryPolicy()``)
    :param timeout: seconds, or (connect, read) seconds, per attempt (default: ``(10, 60)``)
    :param requests_session: a ``requests.Session`` to send API calls through, e.g. one with
        your own adapters or proxies (default: a private one). The retry adapter is mounted on
        it for the API URL unless you mounted an adapter under exactly that prefix yourself
    :param user_agent: your app's name and version, put before the SDK's ``User-Agent``
    :param pace: wait for the window to reset when ``X-Rate-Limit-Remaining`` reaches 0
        (default: ``True``)
    :param rate_budget: a :class:`~procore_dc.rate_budget.RateBudget` shared with other
        sessions or processes (``LocalRateBudget()``, ``RedisRateLimiter(...)``): each API call
        takes a permit from it first and feeds it the response's rate-limit headers (default:
        ``None``, only this session's own state)
    :param deadline: seconds one call may take in all, retries, rate-limit waits and a token
        renewal's replay included; past it the call raises
        :class:`~procore_dc.exceptions.TimeoutError` (default: ``120``)
    :param max_body_bytes: the largest 2xx body read into memory, gzip and deflate counted
        decoded; past it :class:`~procore_dc.exceptions.ResponseTooLargeError` (default:
        64 MiB). ``stream=True`` downloads are not limited
    :param max_error_body_bytes: the same for error pages (status >= 400; default: 1 MiB)
    :param trust_env: read proxy and CA-bundle variables from the environment, once: the CA
        bundle now, a host's proxies when the session first sends there; ``~/.netrc`` is never
        read (default: ``requests_session.trust_env`` if given, else ``True``)
    :param proxies: proxies as requests takes them, e.g. ``{"https": "http://proxy:3128"}``;
        they win over the environment's, key by key (default: ``None``)
    :param verify: ``False`` or a CA bundle path, winning over ``REQUESTS_CA_BUNDLE`` and
        ``CURL_CA_BUNDLE`` (default: ``None``, requests' meaning)
    :raises ConfigurationError: for a bad company id, timeout, deadline, limit, user agent,
        proxies or verify

    .. code-block:: python

        from procore_dc import ServiceAccountAuth, Session

        auth = ServiceAccountAuth.from_env()
        with Session(auth, company_id=8, user_agent="acme-sync/2.1") as session:
            me = session.get_json("/rest/v1.0/me")
            for project in session.paginate("/rest/v1.0/projects", params={"company_id": 8}):
                print(project["name"])
    """

    def __init__(
        self,
        auth: AuthStrategy,
        *,
        company_id: Optional[int] = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        timeout: Union[float, tuple[float, float]] = DEFAULT_TIMEOUT,
        requests_session: Optional[requests.Session] = None,
        user_agent: Optional[str] = None,
        pace: bool = True,
        rate_budget: Optional[RateBudget] = None,
        deadline: float = DEFAULT_DEADLINE,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_error_body_bytes: int = DEFAULT_MAX_ERROR_BODY_BYTES,
        trust_env: Optional[bool] = None,
        proxies: Optional[Mapping[str, str]] = None,
        verify: Union[bool, str, None] = None,
    ) -> None:
        environment = getattr(auth, "environment", None)
        if not callable(auth) or not isinstance(environment, Environment):
            raise ConfigurationError(
                "auth must be an auth strategy such as ServiceAccountAuth or UserLevelAuth, "
                f"got {type(auth).__name__}"
            )
        if not isinstance(retry, RetryPolicy):
            raise ConfigurationError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
        if requests_session is not None and not isinstance(requests_session, requests.Session):
            raise ConfigurationError("requests_session must be a requests.Session")
        if user_agent is not None and (
            not isinstance(user_agent, str) or not user_agent.strip() or "\n" in user_agent
        ):
            raise ConfigurationError("user_agent must be a one-line string, e.g. 'acme-sync/2.1'")
        if verify is not None and not isinstance(verify, (bool, str)):
            raise ConfigurationError("verify must be True, False or the path of a CA bundle")
        if trust_env is None:
            trust_env = requests_session.trust_env if requests_session is not None else True
        self.auth = auth
        """The auth strategy that signs API calls."""
        self.environment: Environment = environment
        """The Procore environment, taken from ``auth``."""
        self.company_id: Optional[int] = _check_company_id(company_id, "company_id")
        """The default ``Procore-Company-Id``, or ``None``."""
        self.retry = retry
        """The :class:`~procore_dc.retry.RetryPolicy` in force."""
        self.timeout: Timeout = _check_timeout(timeout, "timeout")
        """The default timeout per attempt."""
        self.pace = bool(pace)
        """Whether calls wait for the window to reset when no requests are left."""
        # Procore counts a service account's limit per company (when the company id is in the
        # header or path: DOC@b19840b^ api_essentials/rate_limiting.md); a user token's limit
        # is one per token. So DMSA calls keep one state per company, the rest one state (key
        # None). The mapping is shared by with_company() views.
        self._rate_limits: dict[Optional[int], RateLimitState] = {}
        self._rate_lock = threading.Lock()
        self._in_flight = threading.local()  # the state the current thread's call updates
        self._per_company = bool(getattr(auth, "requires_company_id", False))
        self.rate_budget = check_budget(rate_budget)
        """The shared :class:`~procore_dc.rate_budget.RateBudget`, or ``None``."""
        self.deadline = float(_check_positive(deadline, "deadline", "120"))
        """Seconds one call may take in all, retries and waits included."""
        self.max_body_bytes = int(_check_positive(max_body_bytes, "max_body_bytes", "2**26"))
        """The largest 2xx body read into memory (decoded bytes)."""
        self.max_error_body_bytes = int(
            _check_positive(max_error_body_bytes, "max_error_body_bytes", "2**20")
        )
        """The largest error page read into memory (decoded bytes)."""
        self.user_agent = _user_agent(user_agent.strip() if user_agent else None)
        """The ``User-Agent`` header sent on every call."""
        self._owns_http = requests_session is None
        http = requests_session if requests_session is not None else EnvironmentSession()
        adapter = retry.make_adapter(self._observe_rate_limit)
        if self._owns_http:
            # Uploads to storage hosts get the same policy: POST only before it was sent.
            http.mount("https://", adapter)
            http.mount("http://", adapter)
        else:
            prefix = self.environment.api_url + "/"
            if prefix not in http.adapters:
                http.mount(prefix, adapter)
        self.requests_session: requests.Session = http
        """The ``requests.Session`` API calls go through."""
        self.trust_env = bool(trust_env)
        """Whether proxies and the CA bundle were read from the environment (when built)."""
        self._settings = SendSettings(
            http,
            trust_env=self.trust_env,
            proxies=check_proxies(proxies),
            verify=verify,
            api_url=self.environment.api_url,
        )
        if isinstance(http, EnvironmentSession):
            http.settings = self._settings
        self._api_scheme = urlsplit(self.environment.api_url).scheme
        self._api_host = self.environment.api_host
        # What every call would otherwise rebuild: the header blocks (per company id).
        self._plain_headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        self._api_headers = dict(
            self._plain_headers,
            **{
                "Procore-Sdk-Version": f"procore-dc/{__version__}",
                "Procore-Sdk-Language": "python",
            },
        )
        self._company_headers: dict[int, dict[str, str]] = {}

    @property
    def rate_limit(self) -> RateLimitState:
        """What Procore last said about the rate limit for this session's company.

        A service account's limit is counted per company, so each company has its own state
        (:meth:`rate_limit_for`); user-level tokens have one state for every company.

        .. code-block:: python

            print(session.rate_limit.remaining, session.rate_limit.reset_at)
        """
        return self.rate_limit_for(self.company_id)

    def rate_limit_for(self, company_id: Optional[int]) -> RateLimitState:
        """The rate-limit state calls for ``company_id`` are paced by.

        .. code-block:: python

            session.rate_limit_for(8).remaining
        """
        key = company_id if self._per_company else None
        state = self._rate_limits.get(key)
        if state is not None:
            return state  # without the lock: states are only ever added
        with self._rate_lock:
            return self._rate_limits.setdefault(key, RateLimitState())

    def _observe_rate_limit(self, headers: Mapping[str, str]) -> None:
        # Responses the retry loop sees (e.g. a 429 before its retry) update the state of the
        # call in flight on this thread.
        state = getattr(self._in_flight, "state", None) or self.rate_limit
        state.update(headers)

    def __repr__(self) -> str:
        return (
            f"Session(environment={self.environment.name!r}, api_url="
            f"{self.environment.api_url!r}, company_id={self.company_id!r}, auth={self.auth!r})"
        )

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool, if the session created it (not one passed in)."""
        if self._owns_http:
            self.requests_session.close()

    def with_company(self, company_id: int) -> Session:
        """Return a view of this session with another default company id.

        The view shares the auth strategy, the connection pool, the retry policy and the
        rate-limit states (a service account's are kept per company, as Procore counts them),
        so it is cheap; closing it closes nothing.

        :param company_id: the new default ``Procore-Company-Id``
        :raises ConfigurationError: for an id that is not a positive integer

        .. code-block:: python

            for company_id in (8, 9):
                print(session.with_company(company_id).get_json("/rest/v1.0/me"))
        """
        view = copy.copy(self)
        view.company_id = _check_company_id(company_id, "company_id")
        view._owns_http = False
        return view

    # -- the one place requests are sent --------------------------------------------------

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        company_id: Optional[int] = None,
        timeout: Union[float, tuple[float, float], None] = None,
        authenticated: bool = True,
        stream: bool = False,
    ) -> requests.Response:
        """Send one call and return its successful response.

        :param method: the HTTP method, e.g. ``"GET"``
        :param path_or_url: a path such as ``/rest/v1.0/me`` (joined to the API URL), or an
            absolute URL on the API host or a Procore file host (any host with
            ``authenticated=False``)
        :param params: query parameters
        :param json: a JSON body
        :param data: a form or raw body
        :param files: multipart files, as for ``requests``
        :param headers: extra headers
        :param company_id: the ``Procore-Company-Id`` for this call (default: the session's)
        :param timeout: the timeout for this call (default: the session's)
        :param authenticated: send the token, company id and SDK headers (default: ``True``);
            ``False`` for pre-signed storage URLs
        :param stream: leave the body unread, for downloads (default: ``False``)
        :raises APIError: for a status of 400 or more (the subclass names the status)
        :raises RateLimitError: also when a wait would exceed ``RetryPolicy.max_wait``
        :raises TransportError: when no complete response arrived
        :raises ConfigurationError: for a host the environment does not own while
            authenticated, or a service-account call without a company id

        .. code-block:: python

            response = session.request("GET", "/rest/v1.0/me")
            print(response.json()["login"])
        """
        verb = _check_method(method)
        url, to_api = self._resolve(path_or_url, authenticated)
        send_headers = self._headers_for(to_api, authenticated, company_id, headers)
        per_call = self.timeout if timeout is None else _check_timeout(timeout, "timeout")
        prepared = self._prepare(
            verb,
            url,
            params=params,
            json=json,
            data=data,
            files=files,
            headers=send_headers,
            auth=self.auth if authenticated else _no_auth,
        )
        # A fresh list per prepared request (requests copies the session's hooks into it).
        prepared.hooks["response"].append(_drop_redirect_body)
        deadline = time.monotonic() + self.deadline
        response = self._send(prepared, per_call, stream, deadline)
        if response.status_code == 401 and authenticated:
            response = self._refresh_and_replay(response, prepared, per_call, stream, deadline)
        if response.status_code >= 400:
            try:
                raise APIError.from_response(response)
            finally:
                response.close()
        return response

    def _prepare(
        self, verb: str, url: str, *, headers: dict[str, str], **parts: Any
    ) -> requests.PreparedRequest:
        """``requests.Session.prepare_request``, without what a plain session does not need.

        That method merges the session's headers, params, auth and hooks through
        ``merge_setting``, whose ``isinstance`` checks against runtime-checkable protocols cost
        more than the merge, and copies the cookie jar twice; ``procore_dc._prepare.prepare``
        also skips requests' protocol checks on the query parameters (#19: about 40% of this
        method's time when a call has params). A session with its own params, auth, response
        hooks or ``prepare_request`` goes through requests' method unchanged.
        """
        http = self.requests_session
        if (
            http.params
            or http.auth is not None
            or any(http.hooks.values())
            or type(http).prepare_request is not requests.Session.prepare_request
        ):
            return http.prepare_request(requests.Request(verb, url, headers=headers, **parts))
        return prepare(http, verb, url, headers=headers, **parts)

    def _refresh_and_replay(
        self,
        response: requests.Response,
        prepared: requests.PreparedRequest,
        timeout: Timeout,
        stream: bool,
        deadline: float,
    ) -> requests.Response:
        """Renew the token once and send the call once more; outside the retry budget."""
        answered = response.request.headers if response.request is not None else {}
        failed = _bearer_token(answered.get("Authorization"))
        if failed is None:
            return response  # no token of ours was refused (e.g. a redirect to another host)
        replay = prepared.copy()
        if getattr(replay, "_body_position", None) is not None:
            try:
                requests.utils.rewind_body(replay)
            except RequestException:
                return response  # a streamed body we cannot send twice
        response.close()
        log.debug(
            "401 from %s; renewing the token and replaying once", redact_url(replay.url or "")
        )
        self.auth.refresh(failed_access_token=failed)
        replay.headers.pop("Authorization", None)
        replay.prepare_auth(self.auth)
        return self._send(replay, timeout, stream, deadline)

    def _send(
        self,
        prepared: requests.PreparedRequest,
        timeout: Timeout,
        stream: bool,
        deadline: float,
    ) -> requests.Response:
        method = prepared.method or "GET"
        url = prepared.url or ""
        begin_call(method, url, deadline=deadline, error_limit=self.max_error_body_bytes)
        company = str(prepared.headers.get("Procore-Company-Id") or "").strip()
        state = self.rate_limit_for(int(company) if company.isdigit() else None)
        self._in_flight.state = state
        if self.pace:
            self._wait_for_window(state, deadline)
        scope = self._take_permit(prepared)
        http = self.requests_session
        settings = self._settings.send_kwargs(url)
        bounded = deadline_timeout(timeout, deadline)
        try:
            while True:
                try:
                    # Always stream: reading the body ourselves keeps the response (and its
                    # retry state) when the body breaks off.
                    response = http.send(
                        prepared, timeout=bounded, allow_redirects=True, stream=True, **settings
                    )
                finally:
                    end_resume()
                state.update(response.headers)
                if scope is not None and self.rate_budget is not None:
                    self.rate_budget.observe(scope, response.headers)
                failed = response.status_code >= 400
                if stream and not failed:
                    break
                try:
                    body = read_body(
                        response,
                        limit=self.max_error_body_bytes if failed else self.max_body_bytes,
                        deadline=deadline,
                        method=method,
                        url=url,
                        what="the error page" if failed else "the body",
                    )
                    _check_complete(response, body)
                    break
                except (ChunkedEncodingError, requests.ConnectionError) as exc:
                    response.close()
                    if _rewindable(prepared) and continue_after_body_error(response, method, exc):
                        continue
                    log_attempt("body cut short")
                    raise
        except ProcoreError:
            raise
        except RequestException as exc:
            log_attempt(describe_error(exc))
            scrub_exception_chain(exc)  # urllib3 names the full URL in its messages
            attempts = attempts_made()
            raise TransportError(
                f"{_explain(exc)} (after {attempts} attempt{'s' if attempts != 1 else ''})",
                method=method,
                url=url,
            ) from exc
        finally:
            paused = rate_pause()
            if paused is not None:
                state.record_pause(*paused)
        log_attempt(str(response.status_code))
        return response

    def _take_permit(self, prepared: requests.PreparedRequest) -> Optional[BudgetScope]:
        """Wait for a permit from the shared budget; only calls that carry our token count."""
        budget = self.rate_budget
        if budget is None or "Authorization" not in prepared.headers:
            return None
        scope = BudgetScope.for_request(self.auth, prepared.headers.get("Procore-Company-Id"))
        while True:
            wait = budget.take(scope)
            if wait <= 0:
                return scope
            # Raises RateLimitError instead of sleeping past RetryPolicy.max_wait.
            self.retry.plan(wait, reason="the shared rate budget")
            self.retry.do_sleep(wait)

    def _wait_for_window(self, limits: RateLimitState, deadline: float) -> None:
        until = limits.exhausted_until
        if until is None:
            return  # the common case, without reading the clock
        wait = limits.wait_seconds(self.retry.now())
        if wait > 0:
            try:
                total = self.retry.plan(
                    wait,
                    reset_at=until,
                    reason="the rate-limit window (X-Rate-Limit-Remaining: 0)",
                )
            except RateLimitError:
                # Refuse this call, but let the next one ask Procore: one bad header must not
                # refuse every call until its reset.
                limits.forget_exhausted(until)
                raise
            if time.monotonic() + total > deadline:
                raise TimeoutError(
                    f"the rate-limit window asks to wait {wait:.0f} s, past the call's "
                    f"deadline ({self.deadline:g} s)"
                )
            cause = f"X-Rate-Limit-Remaining: 0 until X-Rate-Limit-Reset {until.isoformat()}"
            log.info("rate limit: waiting %.1f s before the next request (%s)", total, cause)
            self.retry.do_sleep(total)
            limits.record_pause(total, cause)

    def _resolve(self, path_or_url: str, authenticated: bool) -> tuple[str, bool]:
        if not isinstance(path_or_url, str):
            raise ConfigurationError(
                f"expected a path such as /rest/v1.0/me or a URL, got {type(path_or_url).__name__}"
            )
        if (
            path_or_url[:1] == "/"
            and path_or_url[1:2] != "/"
            and path_or_url == path_or_url.strip()
        ):
            return self.environment.api_url + path_or_url, True  # the common case: a path
        text = path_or_url.strip()
        try:
            parts = urlsplit(text)
        except ValueError as exc:
            raise ConfigurationError(f"not a valid path or URL: {exc}") from None
        if not parts.scheme and not parts.netloc:
            path = text if text.startswith("/") else "/" + text
            return self.environment.api_url + path, True
        to_api = parts.scheme == self._api_scheme and _safe_netloc(text) == self._api_host
        # Procore's file hosts take the token too (Environment.owns); requests drops it on a
        # redirect to another host, e.g. the S3 URL a file host answers with.
        if not to_api and authenticated and not self.environment.owns(text):
            raise ConfigurationError(
                f"refusing to send an authenticated request to {redact_url(text)}: it is "
                f"neither the API host {self.environment.api_url} nor a Procore file host. For "
                "pre-signed storage URLs pass authenticated=False"
            )
        if parts.scheme not in ("http", "https"):
            raise ConfigurationError(f"only http(s) URLs can be requested, got {redact_url(text)}")
        return text, to_api

    def _headers_for(
        self,
        to_api: bool,
        authenticated: bool,
        company_id: Optional[int],
        extra: Optional[Mapping[str, str]],
    ) -> dict[str, str]:
        if not (to_api and authenticated):
            headers = dict(self._plain_headers)
        else:
            company = self.company_id
            if company_id is not None:
                company = _check_company_id(company_id, "company_id")
            if company is None:
                if self._per_company:
                    raise ConfigurationError(_COMPANY_HINT)
                headers = dict(self._api_headers)
            else:
                block = self._company_headers.get(company)
                if block is None:
                    block = dict(self._api_headers, **{"Procore-Company-Id": str(company)})
                    if len(self._company_headers) < _MAX_COMPANY_HEADERS:
                        self._company_headers[company] = block
                headers = dict(block)
        if extra:
            headers.update(extra)
        return headers

    # -- JSON helpers -----------------------------------------------------------------------

    def get_json(
        self,
        path: str,
        *,
        params: Any = None,
        company_id: Optional[int] = None,
    ) -> Any:
        """GET ``path`` and return the decoded JSON (``None`` for an empty body).

        :raises ResponseFormatError: when a 2xx body is not JSON
        :raises APIError: see :meth:`request`

        .. code-block:: python

            projects = session.get_json("/rest/v1.0/projects", params={"company_id": 8})
        """
        return response_json(self.request("GET", path, params=params, company_id=company_id))

    def post_json(
        self,
        path: str,
        json: Any = None,
        *,
        params: Any = None,
        company_id: Optional[int] = None,
    ) -> Any:
        """POST a JSON body and return the decoded JSON answer.

        POST is never re-sent once the server may have seen it.

        .. code-block:: python

            rfi = session.post_json("/rest/v1.0/projects/42/rfis", {"rfi": {"subject": "Door"}})
        """
        return response_json(
            self.request("POST", path, json=json, params=params, company_id=company_id)
        )

    def patch_json(
        self,
        path: str,
        json: Any = None,
        *,
        params: Any = None,
        company_id: Optional[int] = None,
    ) -> Any:
        """PATCH a JSON body and return the decoded JSON answer (never re-sent once seen).

        .. code-block:: python

            session.patch_json("/rest/v1.0/projects/42", {"project": {"name": "Tower B"}})
        """
        return response_json(
            self.request("PATCH", path, json=json, params=params, company_id=company_id)
        )

    def put_json(
        self,
        path: str,
        json: Any = None,
        *,
        params: Any = None,
        company_id: Optional[int] = None,
    ) -> Any:
        """PUT a JSON body and return the decoded JSON answer.

        .. code-block:: python

            session.put_json("/rest/v1.0/projects/42/some_setting", {"enabled": True})
        """
        return response_json(
            self.request("PUT", path, json=json, params=params, company_id=company_id)
        )

    def delete(
        self,
        path: str,
        *,
        params: Any = None,
        company_id: Optional[int] = None,
    ) -> None:
        """DELETE ``path``; any body of the answer is ignored.

        .. code-block:: python

            session.delete("/rest/v1.0/projects/42/rfis/7", params={"project_id": 42})
        """
        self.request("DELETE", path, params=params, company_id=company_id).close()

    @overload
    def paginate(
        self,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        per_page: int = 100,
        structure: None = None,
        limit: Optional[int] = None,
        prefetch: int = 1,
        company_id: Optional[int] = None,
    ) -> PageIterator[Any]: ...

    @overload
    def paginate(
        self,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        per_page: int = 100,
        structure: Callable[[Mapping[str, Any]], T],
        limit: Optional[int] = None,
        prefetch: int = 1,
        company_id: Optional[int] = None,
    ) -> PageIterator[T]: ...

    def paginate(
        self,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        per_page: int = 100,
        structure: Optional[Callable[[Mapping[str, Any]], Any]] = None,
        limit: Optional[int] = None,
        prefetch: int = 1,
        company_id: Optional[int] = None,
    ) -> PageIterator[Any]:
        """Return a lazy :class:`~procore_dc.pagination.PageIterator` over a list endpoint.

        Nothing is sent until you iterate (or read ``.total``).

        :param path: the list endpoint, e.g. ``/rest/v1.0/projects``
        :param params: query parameters (filters, ``company_id``, ...)
        :param per_page: items per page (default: ``100``)
        :param structure: turns each item mapping into your type (default: keep the mapping)
        :param limit: stop after this many items (default: all)
        :param prefetch: pages in flight at once once ``Total`` is known (default: ``1``)
        :param company_id: the ``Procore-Company-Id`` (default: the session's)
        :raises ConfigurationError: for a bad ``per_page``, ``limit`` or ``prefetch``

        .. code-block:: python

            for rfi in session.paginate("/rest/v1.0/projects/42/rfis", prefetch=4):
                print(rfi["subject"])
        """
        from procore_dc.pagination import PageIterator

        return PageIterator(
            self,
            path,
            params=params,
            per_page=per_page,
            structure=structure,
            limit=limit,
            prefetch=prefetch,
            company_id=company_id,
        )


def _drop_redirect_body(response: requests.Response, **_kwargs: Any) -> requests.Response:
    # requests reads a redirect's whole body before it follows the Location; a hostile or
    # broken hop could send gigabytes. Drop the connection and the body instead.
    if response.is_redirect:
        response.raw.close()
        keep_body(response, b"")
    return response


def _no_auth(r: requests.PreparedRequest) -> requests.PreparedRequest:
    # An explicit no-op, so requests does not fall back to ~/.netrc credentials.
    return r


_METHODS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))


def _check_method(method: Any) -> str:
    if method in _METHODS:
        return str(method)
    if not isinstance(method, str) or not method.strip().isalpha():
        raise ConfigurationError(f"method must be an HTTP method such as 'GET', got {method!r}")
    return method.strip().upper()


def _safe_netloc(url: str) -> str:
    try:
        return _netloc(url)
    except ValueError as exc:
        raise ConfigurationError(f"not a valid URL: {exc}") from None


def _check_complete(response: requests.Response, body: bytes) -> None:
    """Raise when fewer bytes arrived than ``Content-Length`` promised.

    urllib3 2 does this itself; urllib3 1.26 returns a short body without complaint.
    """
    if response.status_code in (204, 304) or (
        response.request and response.request.method == "HEAD"
    ):
        return  # no body, whatever Content-Length says
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        return  # the length counts compressed bytes; requests already decoded them
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and len(body) < int(declared):
        raise ChunkedEncodingError(
            f"the body has {len(body)} of the {declared} bytes Content-Length promised"
        )


def _rewindable(prepared: requests.PreparedRequest) -> bool:
    body = prepared.body
    return body is None or isinstance(body, (bytes, str))
