"""Token: expiry from before the request, leeway rule, masking, round trips."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procore_dc import ConfigurationError, ResponseFormatError, Token
from procore_dc.auth.tokens import DEFAULT_EXPIRES_IN, default_leeway

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
ACCESS = "eyJhbGciOiJFUzUxMiJ9.access-secret-value"
REFRESH = "76ba4c5c75c96f608-refresh-secret"


def make(**kw: object) -> Token:
    fields: dict[str, object] = {
        "expires_at": T0 + timedelta(seconds=5400),
        "created_at": T0,
        "refresh_token": REFRESH,
    }
    fields.update(kw)
    return Token(ACCESS, **fields)  # type: ignore[arg-type]


def test_from_response_measures_expiry_from_the_time_before_the_request() -> None:
    token = Token.from_response(
        {
            "access_token": ACCESS,
            "token_type": "bearer",
            "expires_in": 5400,
            "refresh_token": REFRESH,
            "created_at": 1484786897,
        },
        received_at=T0,
    )
    assert token.expires_at == T0 + timedelta(seconds=5400)
    assert token.created_at == T0
    assert token.refresh_token == REFRESH
    assert token.token_type == "bearer"


def test_from_response_accepts_string_expires_in_and_list_scope() -> None:
    token = Token.from_response(
        {"access_token": ACCESS, "expires_in": "60", "scope": ["a", "b"]}, T0
    )
    assert token.expires_at == T0 + timedelta(seconds=60)
    assert token.scope == "a b"
    assert token.refresh_token is None


def test_from_response_without_expires_in_uses_the_documented_default() -> None:
    token = Token.from_response({"access_token": ACCESS}, T0)
    assert token.expires_at == T0 + timedelta(seconds=DEFAULT_EXPIRES_IN)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"access_token": ""},
        {"access_token": 5},
        {"access_token": ACCESS, "expires_in": "x"},
        {"access_token": ACCESS, "expires_in": -1},
        {"access_token": ACCESS, "refresh_token": 3},
        {"access_token": ACCESS, "token_type": 7},
        {"access_token": ACCESS, "token_type": ["bearer"]},
        ["not", "a", "mapping"],
    ],
)
def test_from_response_rejects_bad_bodies_without_echoing_secrets(body: object) -> None:
    with pytest.raises(ResponseFormatError) as info:
        Token.from_response(body, T0)  # type: ignore[arg-type]
    assert ACCESS not in str(info.value)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="timezone-aware"):
        Token(ACCESS, expires_at=datetime(2026, 1, 1))
    with pytest.raises(ConfigurationError):
        Token.from_response({"access_token": ACCESS}, datetime(2026, 1, 1))


def test_times_are_normalised_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    token = Token(ACCESS, expires_at=datetime(2026, 1, 1, 14, 0, tzinfo=plus_two))
    assert token.expires_at == T0
    assert token.expires_at.tzinfo == timezone.utc


def test_expired_honours_leeway_with_the_right_sign() -> None:
    token = make()
    assert not token.expired(now=T0)
    assert not token.expired(leeway=300, now=T0 + timedelta(seconds=5099))
    assert token.expired(leeway=300, now=T0 + timedelta(seconds=5100))
    assert token.expired(now=T0 + timedelta(seconds=5400))
    assert not token.expired(now=T0 + timedelta(seconds=5399))


def test_default_leeway_rule() -> None:
    # Procore's 5,400 s tokens: 300 s. A 60 s token: 6 s, never born stale.
    assert default_leeway(make()) == 300
    short = make(expires_at=T0 + timedelta(seconds=60))
    assert default_leeway(short) == pytest.approx(6.0)
    # A configured leeway is kept, but never beyond half the lifetime.
    assert default_leeway(make(), 120) == 120
    assert default_leeway(short, 120) == 30
    assert not short.expired(default_leeway(short, 120), now=T0)
    # Without created_at the lifetime is unknown: the full 300 s.
    assert default_leeway(make(created_at=None)) == 300


def test_repr_and_str_mask_both_secrets() -> None:
    token = make()
    for text in (repr(token), str(token), f"{token}", repr([token])):
        assert ACCESS not in text
        assert REFRESH not in text
        assert "****" in text
    assert "2026-01-01T13:30:00+00:00" in repr(token)


def test_to_dict_from_dict_round_trip() -> None:
    token = make(scope="read")
    assert Token.from_dict(token.to_dict()) == token
    bare = Token(ACCESS, expires_at=T0)
    assert Token.from_dict(bare.to_dict()) == bare


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"token_type": "bearer", "expires_at": T0.isoformat()}, "access_token"),
        ({"access_token": ACCESS}, "expires_at"),
        ({"access_token": ACCESS, "expires_at": "yesterday"}, "expires_at"),
        ({"access_token": ACCESS, "expires_at": "2026-01-01T00:00:00"}, "expires_at"),
        ({"access_token": ACCESS, "expires_at": T0.isoformat(), "extra": 1}, "extra"),
        (
            {"access_token": ACCESS, "expires_at": T0.isoformat(), "refresh_token": 5},
            "refresh_token",
        ),
    ],
)
def test_from_dict_names_the_bad_field_not_its_value(data: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigurationError, match=field) as info:
        Token.from_dict(data)
    assert ACCESS not in str(info.value)


@given(
    access=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=16),
    refresh=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=16),
    seconds=st.integers(min_value=0, max_value=10**7),
)
def test_round_trip_and_masking_for_any_secret(access: str, refresh: str, seconds: int) -> None:
    token = Token.from_response(
        {"access_token": access, "refresh_token": refresh, "expires_in": seconds}, T0
    )
    assert Token.from_dict(token.to_dict()) == token
    assert access not in repr(token)
    assert refresh not in str(token)


def test_from_response_turns_a_scalar_scope_into_text() -> None:
    token = Token.from_response({"access_token": ACCESS, "scope": 5}, T0)
    assert token.scope == "5"
    assert Token.from_dict(token.to_dict()).scope == "5"


@pytest.mark.parametrize("when", ["2026-01-01T12:00:00+00:00", 1767268800])
def test_times_that_are_not_datetimes_are_refused_by_type(when: object) -> None:
    with pytest.raises(ConfigurationError, match="expected a datetime, got"):
        Token.from_response({"access_token": ACCESS}, when)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="expected a datetime, got"):
        make().expired(now=when)  # type: ignore[arg-type]
