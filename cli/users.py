"""`callqa users add|passwd|disable|enable|list|audit`: accounts of the review UI (bcrypt hashes
in the store) and the audit of sign-in attempts."""

from __future__ import annotations

import click

from store import users as accounts


@click.group("users")
def users():
    """Accounts of the review UI."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option("--manager", "manager_id", help="manager_id whose calls a manager account sees")
@click.option("--display-name", help="name shown in the UI")
@click.option("--password", help="asked for when absent (better: keeps it out of shell history)")
@click.pass_obj
def add_cmd(cfg, name, role, manager_id, display_name, password):
    """Create user NAME (or change its role and password)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    accounts.add_user(cfg.db_path, name, role, password, manager_id=manager_id, display_name=display_name)
    click.echo(f"user {name} saved ({role}{', ' + manager_id if manager_id else ''})")


@users.command("passwd")
@click.argument("name")
@click.option("--password", help="asked for when absent")
@click.pass_obj
def passwd_cmd(cfg, name, password):
    """Set a new password for user NAME."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    accounts.set_password(cfg.db_path, name, password)
    click.echo(f"password of {name} changed")


def _switch(verb: str, disabled: bool, help_text: str) -> None:
    @users.command(verb, help=help_text)
    @click.argument("name")
    @click.pass_obj
    def cmd(cfg, name):
        accounts.set_disabled(cfg.db_path, name, disabled)
        click.echo(f"user {name} {verb}d")


_switch("disable", True, "Disable user NAME (e.g. a manager who left): no sign-in, browsers signed out, history kept.")
_switch("enable", False, "Enable a disabled user NAME again.")


@users.command("list")
@click.pass_obj
def list_cmd(cfg):
    """List users and roles (never passwords)."""
    for a in accounts.list_accounts(cfg.db_path):
        state = f"  [disabled {a.disabled_at:%Y-%m-%d}]" if a.disabled_at else ""
        click.echo(f"{a.username:<16} {a.role:<8} {a.manager_id or '-':<10} {a.display_name or ''}{state}")


@users.command("audit")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--failures", is_flag=True, help="only failures, locks, refused attempts and rejected tokens")
@click.pass_obj
def audit_cmd(cfg, limit, failures):
    """Latest sign-in attempts, newest first: when, name typed, client address, outcome."""
    events = accounts.sign_in_audit(cfg.db_path, limit=limit, failures_only=failures)
    if not events:
        click.echo("no sign-in attempts recorded")
    for e in events:
        click.echo(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.event:<14} {e.username!r:<20} {e.client or '-'}")
