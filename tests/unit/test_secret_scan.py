"""The CI secret scan (.ci/secret_scan.py) finds token-like strings in recorded data.

Every sample secret here is built at run time, so this file itself stays clean for the scan.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEX = "ab" * 32
JWT = ".".join(["eyJ" + "hbGciOiJSUzI1NiJ9", "eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0", "x" * 43])
CANARY = "PDC-" + "CANARY"


def load_scanner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("secret_scan", ROOT / ".ci" / "secret_scan.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


scanner = load_scanner()


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (f'"Authorization": ["Bearer {JWT}"]', "jwt"),
        ('"Authorization": ["Bearer ' + "Zx9aB3cD4eF5gH6iJ7kL8mN9" + '"]', "bearer token"),
        (f'"refresh_token": "{HEX}"', "long hex"),
        ('"blob": "' + "QUJD" * 20 + '"', "long base64"),
        (f'"note": "{CANARY}-1234"', "canary"),
    ],
)
def test_each_kind_of_token_is_found(line: str, kind: str) -> None:
    assert kind in scanner.scan_line(line, False)


def test_a_digest_key_excuses_only_the_value_right_after_it() -> None:
    assert scanner.scan_line(f'"sha256": "{HEX}"', False) == []
    assert scanner.scan_line(f'"ETag": ["\\"{HEX}\\""]', False) == []
    assert scanner.scan_line(f"https://storage.example/x?md5={HEX}", False) == []
    # A cassette keeps a whole JSON body on one line: "uuid" earlier must not hide a token.
    body = f'"string": "{{\\"upload_uuid\\": \\"u1\\", \\"refresh_token\\": \\"{HEX}\\"}}"'
    assert "long hex" in scanner.scan_line(body, False)


def test_data_files_may_not_hold_any_literal_value_of_a_secret_field() -> None:
    short = "Zx9-aB3_cD4eF5gH6"  # too short and too varied for the shape patterns
    leaked = f'"string": "{{\\"access_token\\": \\"{short}\\"}}"'
    assert scanner.scan_line(leaked, False) == []
    assert scanner.scan_line(leaked, False, True) == ["secret-named field with a literal value"]
    for placeholder in (
        '"access_token": "<ACCESS_TOKEN>"',
        "grant_type=client_credentials&client_secret=%3CCLIENT_SECRET%3E",
    ):
        assert scanner.scan_line(placeholder, False, True) == []


def test_python_that_builds_a_canary_is_not_a_hit() -> None:
    assert scanner.scan_line(f'MARK = "{CANARY}"', True) == []
    assert scanner.scan_line(f'MARK = "{CANARY}"', False) == ["canary"]


def test_the_scan_fails_on_a_planted_cassette_and_passes_once_scrubbed(tmp_path: Path) -> None:
    cassettes = tmp_path / "tests" / "cassettes"
    cassettes.mkdir(parents=True)
    cassette = cassettes / "leak.json"
    cassette.write_text(f'{{"body": "refresh_token={HEX}"}}\n')
    (tmp_path / "README.md").write_text("# clean\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    result = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "secret_scan.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "tests/cassettes/leak.json:1: looks like a secret" in result.stdout
    assert HEX not in result.stdout + result.stderr  # hits are named, never echoed
    cassette.write_text('{"body": "refresh_token=<REFRESH_TOKEN>"}\n')
    assert scanner.main(["secret_scan.py", str(tmp_path)]) == 0


def test_the_repository_itself_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")  # the scan lists files with git
    assert scanner.main(["secret_scan.py", str(ROOT)]) == 0
    assert "secret scan: clean" in capsys.readouterr().out


def test_a_presigned_upload_answer_is_scrubbed_before_it_is_written() -> None:
    """An upload's presigned POST fields are a capability to write to the bucket."""
    from procore_dc.testing.cassettes import RESPONSE_SECRET_FIELDS, _scrub_json

    answer = {
        "uuid": "01M8MX869TXHRYJPR8EFNKTZFM",
        "fields": {
            "key": "uploads/01M8/plan.pdf",
            "policy": "eyJleHBpcmF0aW9uIjo=",  # short: a real one is a long base64 document
            "x-amz-credential": "AKIAEXAMPLE/20261130/us-east-1/s3/aws4_request",
            "x-amz-signature": HEX,
        },
    }
    found: set[str] = set()
    scrubbed = _scrub_json(answer, RESPONSE_SECRET_FIELDS, found)
    assert scrubbed["uuid"] == answer["uuid"]
    assert scrubbed["fields"] == {
        "key": "uploads/01M8/plan.pdf",
        "policy": "<POLICY>",
        "x-amz-credential": "<X_AMZ_CREDENTIAL>",
        "x-amz-signature": "<X_AMZ_SIGNATURE>",
    }
    assert HEX in found
