"""PostgreSQL URLs as people write them, as SQLAlchemy and libpq take them: a multi-host
URL (a primary and its standbys, scripts/ha) becomes SQLAlchemy's `host` options."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from interlock.store.postgres import engine_url, libpq_url

HA = (
    "postgresql://postgres@127.0.0.1:55420,127.0.0.1:55421/postgres?target_session_attrs=read-write"
)


def test_a_multi_host_url_reaches_libpq_with_every_host_in_order() -> None:
    url = engine_url(HA)
    assert url == (
        "postgresql+psycopg://postgres@/postgres?host=127.0.0.1:55420&host=127.0.0.1:55421"
        "&target_session_attrs=read-write"
    )
    engine = create_engine(url)  # no connection made: what the dialect hands psycopg
    _, args = engine.dialect.create_connect_args(engine.url)
    assert args["host"] == "127.0.0.1,127.0.0.1" and args["port"] == "55420,55421"
    assert args["target_session_attrs"] == "read-write" and args["dbname"] == "postgres"
    assert libpq_url(HA) == HA  # libpq (the commit listener) takes it as written


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h:5/d", "postgresql+psycopg://u@h:5/d"),
        ("postgres://u:pw@h/d?sslmode=disable", "postgresql+psycopg://u:pw@h/d?sslmode=disable"),
        ("postgresql+psycopg://u@h:5/d", "postgresql+psycopg://u@h:5/d"),
        ("postgresql://u:pw@a:1,b:2/d", "postgresql+psycopg://u:pw@/d?host=a:1&host=b:2"),
        ("postgresql://a,b/d", "postgresql+psycopg:///d?host=a&host=b"),
    ],
)
def test_one_host_urls_are_kept_and_several_become_host_options(given: str, expected: str) -> None:
    assert engine_url(given) == expected
    make_url(expected)  # SQLAlchemy parses it


def test_other_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        engine_url("sqlite:///x.db")
