"""Shared fixtures: stores on SQLite and on the real PostgreSQL server, and the shared/ folder."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from orgpulse.store import Store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is missing: the shared/ folder must sit beside the checkout")
    return path


def _postgres_reason() -> str | None:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable", with its reason
        return (
            f"PostgreSQL not reachable at 127.0.0.1:5432 ({type(exc).__name__}: {str(exc).splitlines()[0]})"
        )
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    reason = _postgres_reason()
    if reason:
        pytest.skip(reason)
    name = f"orgpulse_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_postgres(url: str) -> Store:
    store = Store.open(url)
    with store.engine.begin() as conn:
        names = ", ".join(f'"{t}"' for t in sa.inspect(conn).get_table_names() if t != "alembic_version")
        if names:
            conn.execute(sa.text(f"TRUNCATE {names} CASCADE"))
    store.migrate()  # puts the pseudonym salt back
    return store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store: SQLite in a temp folder, or the real PostgreSQL server."""
    if request.param == "sqlite":
        s = Store.open(f"sqlite:///{tmp_path / 'orgpulse.db'}")
    else:
        s = fresh_postgres(request.getfixturevalue("postgres_url"))
    yield s
    s.close()


@pytest.fixture
def store(any_store: Store) -> Store:
    """`any_store`, under the name most tests use; a module may narrow it (hostile servers: SQLite
    only) and still ask for `any_store` where both dialects matter."""
    return any_store
