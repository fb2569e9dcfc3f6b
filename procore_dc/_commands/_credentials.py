"""Where the CLI's credentials come from: flags, then environment variables, then a config file.

Every ``procore-dc`` command that talks to Procore resolves its settings here, in one order,
so ``docs/cli.rst`` can describe them in one table (:data:`SETTINGS` is that table):

=================  ==================  ==========================  ================
setting            flag                environment variable        config file key
=================  ==================  ==========================  ================
client id          ``--client-id``     ``PROCORE_CLIENT_ID``       ``client_id``
client secret      ``--client-secret`` ``PROCORE_CLIENT_SECRET``   ``client_secret``
environment        ``--environment``   ``PROCORE_ENVIRONMENT``     ``environment``
company id         ``--company``       ``PROCORE_COMPANY_ID``      ``company_id``
redirect URI       ``--redirect-uri``  ``PROCORE_REDIRECT_URI``    ``redirect_uri``
login URL          ``--login-url``     ``PROCORE_LOGIN_URL``       ``login_url``
=================  ==================  ==========================  ================

``login URL`` is only for an environment given as a URL (a local server such as
``procore-dc sandbox``) whose OAuth host differs from its API host.

The config file is ``config.ini`` in the config folder (``$XDG_CONFIG_HOME/procore-dc``, else
``~/.config/procore-dc``), with the keys in a ``[procore]`` section. The folder also holds the
user token that ``procore-dc login`` saves.
"""

from __future__ import annotations

import argparse
import configparser
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Optional

import attrs

from procore_dc import _settings as settings
from procore_dc._filemodes import check_private
from procore_dc._ids import coerce_id
from procore_dc.environments import Environment
from procore_dc.exceptions import ConfigurationError

__all__ = [
    "CONFIG_FILE_NAME",
    "CONFIG_SECTION",
    "DEFAULT_REDIRECT_URI",
    "SETTINGS",
    "Credentials",
    "Setting",
    "add_credential_arguments",
    "config_dir",
    "resolve",
    "user_token_path",
]

CONFIG_FILE_NAME = "config.ini"
CONFIG_SECTION = "procore"
#: The loopback redirect ``procore-dc login`` uses unless told otherwise; register it for
#: the app in the Developer Portal.
DEFAULT_REDIRECT_URI = "http://localhost:8765/callback"


@attrs.frozen
class Setting:
    """One resolvable setting: its attribute, flag, environment variable and config key."""

    name: str
    label: str
    flag: str
    env: str
    key: str
    secret: bool = False


# The environment variables come from the one table of PROCORE_* settings.
SETTINGS_ENV = {name: setting.env for name, setting in settings.SETTINGS.items()}

#: The settings, in the order of the table in the docs.
SETTINGS: tuple[Setting, ...] = (
    Setting("client_id", "client id", "--client-id", SETTINGS_ENV["client_id"], "client_id"),
    Setting(
        "client_secret",
        "client secret",
        "--client-secret",
        SETTINGS_ENV["client_secret"],
        "client_secret",
        secret=True,
    ),
    Setting(
        "environment", "environment", "--environment", SETTINGS_ENV["environment"], "environment"
    ),
    Setting("company_id", "company id", "--company", SETTINGS_ENV["company_id"], "company_id"),
    Setting(
        "redirect_uri",
        "redirect URI",
        "--redirect-uri",
        SETTINGS_ENV["redirect_uri"],
        "redirect_uri",
    ),
    Setting("login_url", "login URL", "--login-url", SETTINGS_ENV["login_url"], "login_url"),
)
_BY_NAME = {setting.name: setting for setting in SETTINGS}


def config_dir(environ: Optional[Mapping[str, str]] = None) -> Path:
    """Return the config folder: ``$XDG_CONFIG_HOME/procore-dc`` or ``~/.config/procore-dc``."""
    source = os.environ if environ is None else environ
    base = source.get("XDG_CONFIG_HOME", "").strip()
    # The XDG spec says a relative value is invalid and must be ignored.
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".config"
    return root / "procore-dc"


def _read_config(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except FileNotFoundError:
        return {}
    except configparser.Error as exc:
        first = str(exc).splitlines()[0]
        raise ConfigurationError(f"cannot read the config file {path}: {first}") from None
    if not parser.has_section(CONFIG_SECTION):
        return {}
    known = {setting.key for setting in SETTINGS}
    values = dict(parser.items(CONFIG_SECTION))
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigurationError(
            f"the config file {path} has unknown keys in [{CONFIG_SECTION}]: "
            f"{', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    return {key: value.strip() for key, value in values.items() if value.strip()}


@attrs.frozen
class Credentials:
    """The settings one command resolved, and where each came from.

    :ivar sources: setting name -> ``"flag"``, ``"environment"`` or the config file's path
    """

    config_path: Path
    client_id: Optional[str] = None
    client_secret: Optional[str] = attrs.field(default=None, repr=False)
    environment_name: Optional[str] = None
    company_id: Optional[int] = None
    redirect_uri: Optional[str] = None
    login_url: Optional[str] = None
    sources: Mapping[str, str] = attrs.field(factory=dict)
    #: Refuse secret files that other users can read, instead of warning (``--strict``).
    strict: bool = False

    @property
    def environment(self) -> Environment:
        """The environment; production when none is set.

        :raises ConfigurationError: for an unknown name, or a login URL with a named
            environment
        """
        environment = Environment.from_name(self.environment_name or "production")
        if self.login_url is None:
            return environment
        if environment.name != "local":
            raise ConfigurationError(
                f"a login URL (--login-url / PROCORE_LOGIN_URL) applies only to an environment "
                f"given as a URL, not to {environment.name}"
            )
        return Environment.local(environment.api_url, self.login_url)

    def require(self, *names: str) -> None:
        """Raise one :class:`ConfigurationError` naming the flag and variable of each missing
        setting.

        :raises ConfigurationError: when any of ``names`` is unset
        """
        missing = [_BY_NAME[name] for name in names if getattr(self, name) in (None, "")]
        if not missing:
            return
        parts = [f"{s.label} (pass {s.flag} or set {s.env})" for s in missing]
        raise ConfigurationError(
            f"missing {' and '.join(parts)}; or put "
            f"{', '.join(s.key for s in missing)} in [{CONFIG_SECTION}] of {self.config_path}"
        )


def _company(value: str, source: str, setting: Setting) -> int:
    return coerce_id(value, f"{setting.label} from {source}", "id")


def resolve(args: argparse.Namespace, environ: Optional[Mapping[str, str]] = None) -> Credentials:
    """Resolve every setting: the flag if given, else the environment, else the config file.

    :param args: parsed arguments; missing attributes count as flags not given
    :param environ: the environment (default: ``os.environ``)
    :raises ConfigurationError: for an unreadable config file, a malformed company id or an
        unknown environment name
    """
    source = os.environ if environ is None else environ
    path = config_dir(source) / CONFIG_FILE_NAME
    from_file = _read_config(path)
    strict = bool(getattr(args, "strict", False))
    if "client_secret" in from_file:
        check_private(path, "the config file holding client_secret", strict=strict)
    values: dict[str, Optional[str]] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        flag_value = getattr(args, setting.name, None)
        env_value = settings.text(setting.name, source)
        if flag_value is not None and str(flag_value).strip():
            values[setting.name], sources[setting.name] = str(flag_value).strip(), "flag"
        elif env_value:
            values[setting.name], sources[setting.name] = env_value, "environment"
        elif setting.key in from_file:
            values[setting.name], sources[setting.name] = from_file[setting.key], str(path)
        else:
            values[setting.name] = None
    company = values["company_id"]
    credentials = Credentials(
        config_path=path,
        client_id=values["client_id"],
        client_secret=values["client_secret"],
        environment_name=values["environment"],
        company_id=(
            _company(company, sources["company_id"], _BY_NAME["company_id"]) if company else None
        ),
        redirect_uri=values["redirect_uri"],
        login_url=values["login_url"],
        sources=sources,
        strict=strict,
    )
    credentials.environment  # noqa: B018 - an unknown environment name fails here, early
    return credentials


def user_token_path(credentials: Credentials) -> Path:
    """The file ``procore-dc login`` saves a user token to: one per environment and client id."""
    environment = credentials.environment
    digest = hashlib.sha256(
        f"{environment.api_url}|{credentials.client_id or ''}".encode()
    ).hexdigest()[:10]
    return credentials.config_path.parent / "tokens" / f"user-{environment.name}-{digest}.json"


def add_credential_arguments(
    parser: argparse.ArgumentParser,
    *,
    secret: bool = True,
    company: bool = True,
    redirect: bool = False,
) -> None:
    """Add the credential flags a command takes (all optional: see :func:`resolve`)."""
    group = parser.add_argument_group(
        "credentials",
        "each falls back to its environment variable, then to the config file "
        "(see 'procore-dc config --help')",
    )
    group.add_argument("--client-id", metavar="ID", help="the app's client id [PROCORE_CLIENT_ID]")
    if secret:
        group.add_argument(
            "--client-secret",
            metavar="SECRET",
            help="the app's client secret [PROCORE_CLIENT_SECRET]; prefer the variable, as "
            "other users can see command lines",
        )
    group.add_argument(
        "--environment",
        metavar="NAME",
        help="production, sandbox, monthly-sandbox or an API URL [PROCORE_ENVIRONMENT] "
        "(default: production)",
    )
    if company:
        group.add_argument(
            "--company",
            dest="company_id",
            metavar="ID",
            help="the Procore company id, needed by service accounts [PROCORE_COMPANY_ID]",
        )
    if redirect:
        group.add_argument(
            "--redirect-uri",
            metavar="URI",
            help=f"the app's registered redirect URI [PROCORE_REDIRECT_URI] "
            f"(default: {DEFAULT_REDIRECT_URI})",
        )
    group.add_argument(
        "--login-url",
        metavar="URL",
        help="the OAuth base URL, for an environment given as a URL whose login host differs "
        "[PROCORE_LOGIN_URL]",
    )
