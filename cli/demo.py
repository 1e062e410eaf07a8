"""`callqa demo seed`: make the demo store complete — imported demo transcripts, one user per
role, and the simulated РОП history. Idempotent: a second run changes nothing."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import click

from pipeline.demo_seed import load_review_history
from pipeline.importer import import_transcripts
from store import db, runs
from store import users as accounts

DEMO_DIR = Path("data") / "demo"  # in a checkout, relative to its root (make demo runs there)
DEMO_USERS = (  # username, role, manager_id, display name
    ("owner", "owner", None, "Владелец"),
    ("rop", "head", None, "Руководитель отдела продаж"),
    ("manager", "manager", "m101", "Менеджер (доб. 101)"),
)


@click.group("demo")
def demo():
    """Demo data commands."""


@demo.command("seed")
@click.option("--transcripts", type=click.Path(path_type=Path), default=DEMO_DIR / "transcripts")
@click.option("--history", type=click.Path(path_type=Path), default=DEMO_DIR / "review_history.json")
@click.pass_obj
def seed(cfg, transcripts: Path, history: Path):
    """Import demo transcripts, create demo users and load the demo РОП history."""
    db.init(cfg.db_path)
    _import_missing(cfg, transcripts)
    _load_history(cfg, history)
    _ensure_users(cfg)


def _import_missing(cfg, folder: Path) -> None:
    if not folder.exists():
        click.echo(f"no demo transcripts in {folder}; skipped")
        return
    files = sorted(folder.glob("*.json"))
    stored = runs.imported_call_ids(cfg.db_path)
    missing = [p for p in files if json.loads(p.read_text(encoding="utf-8")).get("call_id") not in stored]
    if not missing:
        click.echo(f"demo transcripts: all {len(files)} already imported")
        return
    s = import_transcripts(cfg, missing)
    click.echo(f"demo transcripts: imported {s.imported}, bad files {len(s.errors)}")
    for path, err in s.errors:
        click.echo(f"  {path}: {err}", err=True)


def _load_history(cfg, path: Path) -> None:
    if not path.exists():
        return
    load_review_history(cfg.db_path, path)
    click.echo("demo РОП history loaded")


def _ensure_users(cfg) -> None:
    secrets_file = cfg.home / "demo-users.txt"
    known = dict(line.split(" ", 1) for line in secrets_file.read_text().splitlines()) if secrets_file.exists() else {}
    existing = accounts.usernames(cfg.db_path)
    for username, role, manager_id, display in DEMO_USERS:
        if username not in existing or username not in known:
            known[username] = secrets.token_urlsafe(9)  # 12 characters: the password rule
            if username in existing:
                accounts.set_password(cfg.db_path, username, known[username])
            else:
                accounts.add_user(cfg.db_path, username, role, known[username], manager_id=manager_id,
                                  display_name=display)
    secrets_file.write_text("".join(f"{u} {p}\n" for u, p in known.items()))
    secrets_file.chmod(0o600)
    click.echo("demo logins (user / password):")
    for username, role, _, display in DEMO_USERS:
        click.echo(f"  {username:<8} {known[username]:<12} {display} [{role}]")
