"""The `switchboard` command: up, migrate, seed, gen-key, rotate-secrets; and, over the HTTP
API, the model lifecycle: train, runs, models, evaluate, promote, rollback."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cluster.models_cli import MODEL_COMMANDS, add_model_commands, fail
from cluster.up import config_error
from store import migrate
from store.crypto import SecretBox, generate_key
from store.db import sync_url
from store.settings import Settings
from store.tables import Integration

Command = Callable[[argparse.Namespace], int]


def load_settings() -> Settings:
    """Settings, or a clean exit 2 naming what is wrong (no traceback for a config error)."""
    try:
        return Settings()
    except ValidationError as exc:
        fail(config_error(exc))


def database_url(settings: Settings) -> str:
    if not settings.database_url:
        fail("set DATABASE_URL (`switchboard up` embeds a database when it is unset)")
    return settings.database_url


def cmd_up(args: argparse.Namespace) -> int:
    from cluster.up import main as up_main

    return up_main()


def key_id(value: str) -> str:
    """SECRET_KEYS is 'kid:key,kid:key': a key id with ':' or ',' would not parse back."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", value):
        raise argparse.ArgumentTypeError("use letters, digits, '_', '.' or '-' (1-40 characters)")
    return value


def cmd_migrate(args: argparse.Namespace) -> int:
    migrate.upgrade(database_url(load_settings()), args.revision)
    print(f"database migrated to {args.revision}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from cluster.seed import seed_demo

    settings = load_settings()
    if settings.is_production:
        fail("the demo login is published: never seed it in production")
    demo = seed_demo(database_url(settings))
    print(f"demo login: {demo.email} / {demo.password} ({'created' if demo.created else 'exists'})")
    return 0


def cmd_gen_key(args: argparse.Namespace) -> int:
    print(generate_key(args.kid))
    return 0


def rotate_secrets(url: str, box: SecretBox) -> int:
    """Re-encrypt, in one transaction, every integration secret not under the primary key."""
    engine = create_engine(sync_url(url))
    try:
        with Session(engine) as session, session.begin():
            stmt = select(Integration).where(Integration.secrets_encrypted.is_not(None))
            rotated = 0
            for row in session.scalars(stmt.with_for_update()):
                envelope = row.secrets_encrypted
                if envelope and box.needs_rotation(envelope):
                    row.secrets_encrypted = box.rotate(envelope, context=str(row.id))
                    rotated += 1
        return rotated
    finally:
        engine.dispose()


def cmd_rotate_secrets(args: argparse.Namespace) -> int:
    settings = load_settings()
    box = SecretBox(settings.secret_keys)
    rotated = rotate_secrets(database_url(settings), box)
    print(f"rotated {rotated} integration secret(s) to key {box.primary_key_id!r}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="switchboard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="run the platform locally (embedded services, Ray Serve)")
    migrate_parser = sub.add_parser("migrate", help="apply database migrations (DATABASE_URL)")
    migrate_parser.add_argument("--revision", default="head", help="target (default: head)")
    sub.add_parser("seed", help="create the demo organization and login if missing")
    key_parser = sub.add_parser("gen-key", help="print a new SECRET_KEYS entry")
    default_kid = f"k{datetime.now(UTC):%Y%m%d}"
    key_parser.add_argument(
        "--kid", type=key_id, default=default_kid, help=f"key id (default: {default_kid})"
    )
    sub.add_parser(
        "rotate-secrets", help="re-encrypt integration secrets with the first SECRET_KEYS key"
    )
    add_model_commands(sub)
    return parser


COMMANDS: dict[str, Command] = {
    "up": cmd_up,
    "migrate": cmd_migrate,
    "seed": cmd_seed,
    "gen-key": cmd_gen_key,
    "rotate-secrets": cmd_rotate_secrets,
    **MODEL_COMMANDS,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
