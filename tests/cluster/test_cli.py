"""The `switchboard` CLI: keys it generates load as settings, and rotation re-encrypts for real."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from cluster.cli import main
from store import migrate
from store.crypto import SecretBox, generate_key
from store.db import sync_url
from store.settings import Settings
from store.tables import Integration, Organization
from tests.conftest import drop_database, recreate_database

SECRETS = {"api_token": "tok-123", "webhook_secret": "whsec-456"}


def test_gen_key_prints_an_entry_that_settings_accept_and_that_encrypts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["gen-key", "--kid", "b2026"]) == 0
    entry = capsys.readouterr().out.strip()
    assert entry.startswith("b2026:")
    settings = Settings(secret_keys=entry)  # the validator checks 'kid:32-byte key'
    box = SecretBox(settings.secret_keys)
    assert box.decrypt(box.encrypt(SECRETS, context="x"), context="x") == SECRETS


def test_gen_key_refuses_a_key_id_that_would_not_parse_back() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["gen-key", "--kid", "a:b"])
    assert exit_info.value.code == 2


def test_console_script_entry_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cluster.cli", "gen-key"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().split(":", 1)[1]) == 44  # base64 of 32 bytes


@dataclass
class Rows:
    """A fresh database with integrations: one under old key A, one under B, one without secrets."""

    url: str
    secret_keys: str  # "B,A": B is now primary, A still decrypts
    old: uuid.UUID
    current: uuid.UUID
    empty: uuid.UUID


@pytest.fixture
def rows() -> Iterator[Rows]:
    name = f"switchboard_cli_{uuid.uuid4().hex[:8]}"
    url = recreate_database(name)
    try:
        migrate.upgrade(url)
        yield _insert_integrations(url)
    finally:
        drop_database(name)


def _insert_integrations(url: str) -> Rows:
    key_a, key_b = SecretStr(generate_key("A")), SecretStr(generate_key("B"))
    ids = [uuid.uuid4() for _ in range(3)]
    envelopes = [
        SecretBox([key_a]).encrypt(SECRETS, context=str(ids[0])),
        SecretBox([key_b]).encrypt(SECRETS, context=str(ids[1])),
        None,
    ]
    engine = create_engine(sync_url(url))
    with Session(engine) as session, session.begin():
        org = Organization(name="Rotate Co", slug=f"rotate-{uuid.uuid4().hex[:6]}")
        session.add(org)
        session.flush()
        for n, (row_id, envelope) in enumerate(zip(ids, envelopes, strict=True)):
            session.add(
                Integration(
                    id=row_id,
                    organization_id=org.id,
                    name=f"i{n}",
                    type="api",
                    config={},
                    secrets_encrypted=envelope,
                )
            )
    engine.dispose()
    keys = f"{key_b.get_secret_value()},{key_a.get_secret_value()}"
    return Rows(url, keys, *ids)


def _envelopes(url: str) -> dict[uuid.UUID, str | None]:
    engine = create_engine(sync_url(url))
    with Session(engine) as session:
        found = {row.id: row.secrets_encrypted for row in session.query(Integration)}
    engine.dispose()
    return found


def test_rotate_secrets_reencrypts_old_key_envelopes_under_the_primary_key(
    rows: Rows, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _envelopes(rows.url)
    monkeypatch.setenv("DATABASE_URL", rows.url)
    monkeypatch.setenv("SECRET_KEYS", rows.secret_keys)
    assert main(["rotate-secrets"]) == 0
    assert "rotated 1 " in capsys.readouterr().out
    after = _envelopes(rows.url)
    box = SecretBox(Settings().secret_keys)
    envelope = after[rows.old]
    assert envelope is not None and box.key_id_of(envelope) == "B"
    assert box.decrypt(envelope, context=str(rows.old)) == SECRETS
    assert after[rows.current] == before[rows.current]  # already current: untouched
    assert after[rows.empty] is None
    assert main(["rotate-secrets"]) == 0
    assert "rotated 0 " in capsys.readouterr().out


def test_rotate_secrets_without_database_url_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["rotate-secrets"])
    assert exit_info.value.code == 2
    assert "DATABASE_URL" in capsys.readouterr().err


def test_migrate_and_seed_are_idempotent(
    rows: Rows, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", rows.url)
    assert main(["migrate"]) == 0
    assert main(["seed"]) == 0
    assert main(["seed"]) == 0
    out = capsys.readouterr().out
    assert "database migrated to head" in out
    assert "(created)" in out and out.rstrip().endswith("(exists)")
