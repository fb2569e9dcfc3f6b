"""The package version, in one place: read by the package, the docs and the User-Agent header."""

__version__ = "0.1.0.dev0"
