"""Keep secrets out of logs, reprs, exception messages and recordings.

``mask`` shortens one known secret for display. ``redact_text`` and ``redact_url`` scrub
secrets out of free text and URLs. ``SecretFilter`` applies ``redact_text`` to every log record
of the loggers it is installed on: ``procore_dc`` at import, ``requests_oauthlib`` and
``oauthlib`` (with their existing child loggers) when the first token request loads them
(``procore_dc.auth._oauthlib``), because requests-oauthlib logs tokens, request bodies and
token responses at DEBUG (requests/requests-oauthlib#536).

This module imports nothing else from the package, so every layer can use it.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable
from typing import Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "SECRET_FIELDS",
    "SecretFilter",
    "get_logger",
    "install_log_filter",
    "is_secret_name",
    "mask",
    "redact_text",
    "redact_url",
    "scrub_exception_chain",
]

#: Parameter and JSON key names whose values are secrets wherever they appear (also written
#: camelCase or with dashes: ``accessToken``, ``access-token``). The ``X-Amz-*``, ``Signature``
#: and ``sig`` ones sign presigned storage URLs, which anyone holding them can use.
SECRET_FIELDS = frozenset(
    {
        "access_token",
        "refresh_token",
        "client_secret",
        "code",
        "code_verifier",
        "token",
        "id_token",
        "password",
        "api_key",
        "x_api_key",
        "x_amz_signature",
        "x_amz_credential",
        "x_amz_security_token",
        "x_goog_signature",
        "signature",
        "sig",
    }
)
# Generic words that prose uses too ("the code: ..."): only redacted as key=value or quoted.
_PROSE_WORDS = frozenset({"code", "token", "signature", "sig"})

_REDACTED = "[REDACTED]"


def _name_pattern(name: str) -> str:
    # access_token also matches accessToken, access-token and ACCESS_TOKEN.
    return "[_-]?".join(re.escape(part) for part in name.split("_"))


def _normal(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


_NORMAL_FIELDS = frozenset(_normal(name) for name in SECRET_FIELDS)
_names = "|".join(_name_pattern(n) for n in sorted(SECRET_FIELDS, key=len, reverse=True))
_loose_names = "|".join(
    _name_pattern(n) for n in sorted(SECRET_FIELDS - _PROSE_WORDS, key=len, reverse=True)
)
# "Bearer <token>" in headers, reprs of header dicts and messages.
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*")
# key=value in query strings and form bodies (also after ? & ; or a space), and its
# URL-encoded form key%3Dvalue inside another URL.
_FORM_PAIR = re.compile(
    rf"(?i)(?:(?<=%3F)|(?<=%26)|(?<![A-Za-z0-9_]))({_names})(=|%3D)([^&\s'\",;<>]+)"
)
# "key": "value", 'key': 'value' and Ruby's "key"=>"value" in JSON and in reprs of dicts.
_QUOTED_PAIR = re.compile(rf"""(?i)(["'])({_names})\1(\s*(?::|=>)\s*)(["'])(.*?)(?<!\\)\4""")
# "key": unquoted, e.g. {"client_secret":abc}.
_QUOTED_KEY_BARE_VALUE = re.compile(
    rf"""(?i)(["'])({_loose_names})\1(\s*(?::|=>)\s*)(?![\s"'\[{{]|null\b|\[REDACTED)([^\s,}}\]]+)"""
)
# key: value, key = value, key='value' in logs, YAML and headers (X-Api-Key: v).
_LOOSE_PAIR = re.compile(
    rf"""(?i)(?<![A-Za-z0-9_"'])({_loose_names})(\s*[:=]\s*)(?!\[REDACTED)(['"]?)"""
    r"""([^\s'",;&<>]+)"""
)
# <refresh_token>value</refresh_token> in XML answers.
_XML_ELEMENT = re.compile(rf"(?i)<({_names})>([^<]*)</\1>")
# An Authorization value: quoted (a dict repr or JSON, whatever it holds), or after a header
# name when it is a credential scheme or one token-like word. Prose such as "refused the
# authorization: access_denied" is left alone, so the server's words survive.
_AUTH_HEADER = re.compile(
    r"""(?ix)
    (["']authorization["']\s*:\s*["'])(?!bearer\s)(?!\[REDACTED)([^"'\r\n]+)
    | (authorization\s*:\s*)(?!bearer\s)(?!\[REDACTED)
      ((?:basic|digest|token|negotiate|ntlm|apikey)\s+\S+|[A-Za-z0-9._~+/=-]{16,})
    | (authorization\s*=\s*)(?!bearer\s)(?!\[REDACTED)([^&\s'",;]+)
    """
)
# Procore access tokens are JWTs; catch any stray one.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")


def mask(secret: object, *, keep: int = 4) -> str:
    """Show at most the last ``keep`` characters of a secret.

    Short secrets are hidden entirely, so a mask never reveals more than a third of one.

    :param secret: the value to mask (``None`` gives ``"None"``)
    :param keep: how many trailing characters to keep (default: ``4``)

    .. code-block:: python

        >>> mask("sk_live_abcdef123456")
        '****3456'
        >>> mask("abc")
        '****'
    """
    if secret is None:
        return "None"
    text = str(secret)
    if len(text) < 3 * keep:
        return "****"
    return "****" + text[-keep:]


def redact_text(text: str) -> str:
    """Replace every secret that ``text`` carries with ``[REDACTED]``.

    It knows bearer tokens, JWTs, ``Authorization`` values and the values of
    :data:`SECRET_FIELDS` in query strings, form bodies, JSON and Python reprs.

    .. code-block:: python

        >>> redact_text("grant_type=refresh_token&refresh_token=abc123")
        'grant_type=refresh_token&refresh_token=[REDACTED]'
    """
    if not text:
        return text
    text = _BEARER.sub(lambda m: f"{m.group(1)} {_REDACTED}", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1) or m.group(3) or m.group(5)}{_REDACTED}", text)
    text = _QUOTED_PAIR.sub(
        lambda m: (
            f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)}{_REDACTED}{m.group(4)}"
        ),
        text,
    )
    text = _QUOTED_KEY_BARE_VALUE.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{_REDACTED}", text
    )
    text = _FORM_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{_REDACTED}", text)
    text = _LOOSE_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{_REDACTED}", text)
    text = _XML_ELEMENT.sub(lambda m: f"<{m.group(1)}>{_REDACTED}</{m.group(1)}>", text)
    return _JWT.sub(_REDACTED, text)


def redact_url(url: str) -> str:
    """Remove user info and secret query parameters from a URL.

    .. code-block:: python

        >>> redact_url("https://u:p@api.procore.com/x?code=abc&page=2")
        'https://api.procore.com/x?code=%5BREDACTED%5D&page=2'
    """
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return redact_text(str(url))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, _REDACTED if is_secret_name(k) else v) for k, v in pairs])
    # ;params in the path and key=value pairs in the fragment (implicit-grant style).
    path = _FORM_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{_REDACTED}", parts.path)
    fragment = _FORM_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{_REDACTED}", parts.fragment)
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def is_secret_name(name: str) -> bool:
    """Whether a parameter, header or JSON key name (any case, camelCase too) holds a secret.

    .. code-block:: python

        >>> is_secret_name("X-Amz-Signature"), is_secret_name("accessToken"), is_secret_name("page")
        (True, True, False)
    """
    return _normal(name) in _NORMAL_FIELDS


def scrub_exception_chain(error: BaseException) -> None:
    """Redact the messages and URLs of ``error`` and every exception it was caused by.

    urllib3 and requests put the full URL, query string included, in their messages; a
    traceback printer or an error tracker shows the whole chain.
    """
    seen: set[int] = set()
    pending: list[Optional[BaseException]] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen or len(seen) > 16:
            continue
        seen.add(id(current))
        current.args = tuple(
            redact_text(arg) if isinstance(arg, str) else arg for arg in current.args
        )
        url = getattr(current, "url", None)
        if isinstance(url, str):
            with contextlib.suppress(AttributeError):
                current.url = redact_url(url)  # type: ignore[attr-defined]
        reason = getattr(current, "reason", None)
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend(
            [
                reason if isinstance(reason, BaseException) else None,
                current.__cause__,
                current.__context__,
            ]
        )


class SecretFilter(logging.Filter):
    """A logging filter that scrubs secrets from a record's message and arguments.

    The record is formatted once, scrubbed, and its ``args`` cleared, so a handler that formats
    it again sees only the scrubbed text.

    .. code-block:: python

        import logging
        logging.getLogger("my_app").addFilter(SecretFilter())
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not let raw args through
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redact_text(message)
        record.args = None
        return True


_FILTER = SecretFilter()
_PROTECTED = ("procore_dc", "requests_oauthlib", "oauthlib", "requests")


def _attach(logger: logging.Logger) -> None:
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


def install_log_filter(prefixes: Iterable[str] = _PROTECTED) -> None:
    """Attach the secret filter to the named loggers and to all their existing children.

    Logger filters do not see records that child loggers propagate, so every child that exists
    now is covered too. Calling it again is harmless.
    """
    prefixes = tuple(prefixes)
    for name in prefixes:
        _attach(logging.getLogger(name))
    for name in list(logging.root.manager.loggerDict):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            _attach(logging.getLogger(name))


def get_logger(name: str) -> logging.Logger:
    """Return the logger ``name`` with the secret filter attached (use it in every module)."""
    logger = logging.getLogger(name)
    _attach(logger)
    return logger
