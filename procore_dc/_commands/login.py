"""``procore-dc login``: sign a Procore user in and keep the token in the config folder."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any
from urllib.parse import urlsplit

import requests

from procore_dc._commands._connect import (
    USER_AGENT,
    describe_expiry,
    print_json,
    show_token,
    user_auth,
)
from procore_dc._commands._credentials import (
    add_credential_arguments,
    resolve,
    user_token_path,
)
from procore_dc.auth import OOB_REDIRECT_URI
from procore_dc.auth.loopback import sign_in_with_browser
from procore_dc.exceptions import ConfigurationError
from procore_dc.session import Session

EPILOG = """examples:
  procore-dc login --client-id abc123 --environment sandbox
      opens the browser; register http://localhost:8765/callback as a redirect URI first
      (the embedded 'procore-dc sandbox' app has it registered already)
  procore-dc login --oob
      prints the sign-in URL and asks for the code Procore shows (no local port needed)
  procore-dc login --logout
      revokes the saved token at Procore and deletes it
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "login",
        help="sign a Procore user in (Authorization Code + PKCE) and save the token",
        description="Sign in as a Procore user with the app's User Level Authentication. The "
        "token (with its rotating refresh token) is saved, mode 0600, in the config folder "
        "($XDG_CONFIG_HOME/procore-dc or ~/.config/procore-dc); 'whoami' and 'api get' use it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_credential_arguments(parser, company=False, redirect=True)
    parser.add_argument(
        "--oob",
        action="store_true",
        help="out-of-band: paste the code Procore shows instead of running a local receiver",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="print the sign-in URL without opening it"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for the browser's callback (default: 300)",
    )
    parser.add_argument(
        "--logout", action="store_true", help="revoke and delete the saved token instead"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--show-secret", action="store_true", help="print the access token in full")
    parser.set_defaults(handler=run)


def _announce(url: str) -> None:
    print(f"Open this URL to sign in to Procore:\n  {url}", file=sys.stderr, flush=True)


def check_authorize_page(url: str, redirect_uri: str) -> None:
    """Ask the sign-in page once, before the browser does, so a refusal shows at once.

    Procore (and the sandbox) answer an unregistered redirect URI or an unknown client id
    with an error page instead of redirecting back (RFC 6749 4.1.2.1), so the local receiver
    would wait for a callback that never comes. The page itself is harmless to fetch.

    :raises ConfigurationError: when the sign-in page answers 4xx, with what it said
    """
    try:
        response = requests.get(url, allow_redirects=False, timeout=15)
    except requests.RequestException:
        return  # the browser shows the problem, and the timeout still ends the wait
    with response:
        if not 400 <= response.status_code < 500:
            return
        said = " ".join(re.sub(r"<[^>]+>", " ", response.text[:2000]).split())[:200]
    host = urlsplit(url).netloc
    if "redirect" in said.lower():
        raise ConfigurationError(
            f"the sign-in page at {host} refused the redirect URI {redirect_uri} "
            f"({response.status_code}: {said}); register it for the app, pass --redirect-uri "
            "with one that is registered, or use --oob"
        )
    raise ConfigurationError(
        f"the sign-in page at {host} refused the sign-in ({response.status_code}: {said}); "
        "check the client id and the environment"
    )


def run(args: argparse.Namespace) -> int:
    credentials = resolve(args)
    path = user_token_path(credentials)
    if args.logout:
        auth = user_auth(credentials)
        if auth.store.load() is None:
            print(f"Nobody is signed in ({path} does not exist).")
            return 0
        auth.revoke()
        print(f"Signed out: the token was revoked and {path} deleted.")
        return 0
    if args.oob:
        auth = user_auth(credentials, OOB_REDIRECT_URI)
        flow = auth.start_authorization()
        _announce(flow.url)
        print("Paste the code Procore shows: ", end="", file=sys.stderr, flush=True)
        code = sys.stdin.readline().strip()
        if not sys.stdin.isatty():
            print(file=sys.stderr)  # a typed code ends the prompt's line; a piped one does not
        if not code:
            raise ConfigurationError("no authorization code was entered; run login again")
        token = auth.complete_authorization_code(flow, code)
    else:
        auth = user_auth(credentials)

        def announce(url: str) -> None:
            check_authorize_page(url, auth.redirect_uri)
            _announce(url)

        token = sign_in_with_browser(
            auth, open_browser=not args.no_browser, timeout=args.timeout, announce=announce
        )
    with Session(auth, user_agent=USER_AGENT) as session:
        me: Any = session.get_json("/rest/v1.0/me")
    who = me.get("login") or me.get("name") if isinstance(me, dict) else None
    if args.json:
        print_json(
            {
                "environment": auth.environment.name,
                "token_file": str(path),
                "access_token": show_token(token.access_token, args.show_secret),
                "expires_at": token.expires_at.isoformat(),
                "me": me,
            }
        )
        return 0
    print(f"Signed in to {auth.environment.name} as {who or 'an unnamed user'}.")
    print(f"  token    {show_token(token.access_token, args.show_secret)}")
    print(f"  expires  {describe_expiry(token)}; refreshed automatically")
    print(f"  saved in {path}")
    return 0
