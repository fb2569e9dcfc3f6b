"""Fail when a recorded or shipped file holds something that looks like a secret.

Scans cassettes, docs, examples, test fixtures and the README for JWTs, bearer tokens, long
hex or base64 runs and the ``PDC-CANARY`` marker that the cassette canary test plants; in
JSON and YAML files also for any literal value of a secret-named field (``access_token``,
``client_secret``, ...), since recorded data must carry ``<PLACEHOLDERS>`` there. A long
hex run is allowed only as the value of a key that names a digest (sha256, md5, etag, uid),
written right before it: upload cassettes carry real digests of fake file contents.

Usage: ``python .ci/secret_scan.py [ROOT]``; exit 1 and one line per hit when anything is found.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCANNED = ("tests", "docs", "examples", "README.md", "bench")
SUFFIXES = {".yaml", ".yml", ".json", ".md", ".rst", ".txt", ".py", ".ipynb", ".cfg", ".toml"}
# The scanner and the tests that plant or look for canaries name the patterns themselves.
SKIPPED = {".ci/secret_scan.py"}

PATTERNS = {
    "canary": re.compile(r"PDC-CANARY"),
    "jwt": re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    "bearer token": re.compile(r"[Bb]earer [A-Za-z0-9._~+/-]{24,}"),
    "long hex": re.compile(r"(?<![A-Za-z0-9])[0-9a-f]{40,}(?![A-Za-z0-9])"),
    "long base64": re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/]{60,}={0,2}(?![A-Za-z0-9+/=])"),
}
# The digest key must be the one whose value the run is: a cassette stores a whole JSON body on
# one line, so "uid" somewhere earlier in the line must not excuse a refresh token after it.
# In recorded data (cassettes, JSON/YAML fixtures) any literal value of a secret-named field is
# a leak, whatever its shape: the recorder replaces them with <PLACEHOLDERS>.
DATA_SUFFIXES = {".json", ".yaml", ".yml"}
NAMED_SECRET = re.compile(
    r"""(?i)(access_token|refresh_token|id_token|client_secret|password|api_key|secret)"""
    r"""(\\?["'])?\s*[:=]\s*(\\?["'])?[A-Za-z0-9._~+/=-]{16,}"""
)
DIGEST_KEY = re.compile(
    r"""(?i)(sha256|sha-256|md5|etag|digest|uid|checksum|hash)[A-Za-z0-9_-]*(\\?["'])?"""
    r"""\s*[:=]\s*\[?\s*(\\?["'])*\s*$"""
)
# Code in tests that builds canaries or patterns at run time is not a recorded secret.
CANARY_SOURCES = re.compile(r"""["']PDC-CANARY|PDC-CANARY["']|r["'].*PDC-CANARY""")


def tracked_files(root: Path) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "--", *SCANNED],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [root / line for line in out.splitlines() if line]


def scan_line(line: str, is_python: bool, is_data: bool = False) -> list[str]:
    hits = []
    if is_data and NAMED_SECRET.search(line):
        hits.append("secret-named field with a literal value")
    for name, pattern in PATTERNS.items():
        for match in pattern.finditer(line):
            if name == "canary" and is_python and CANARY_SOURCES.search(line):
                continue
            if name in ("long hex", "long base64") and DIGEST_KEY.search(line[: match.start()]):
                continue
            hits.append(name)
    return hits


def main(argv: list[str]) -> int:
    root = Path(argv[1]).resolve() if len(argv) > 1 else Path.cwd()
    found = 0
    for path in tracked_files(root):
        rel = path.relative_to(root).as_posix()
        if rel in SKIPPED or path.suffix not in SUFFIXES or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            for name in scan_line(line, path.suffix == ".py", path.suffix in DATA_SUFFIXES):
                print(f"{rel}:{number}: looks like a secret ({name})")
                found += 1
    if found:
        print(f"secret scan: {found} hit(s); scrub them or prove they are fake", file=sys.stderr)
        return 1
    print("secret scan: clean")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
