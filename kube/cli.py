"""Flask commands: `user create`, `user list`, `demo`, `flags refresh`."""
from __future__ import annotations

import sys
import time

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from kube.auth.models import User
from kube.auth.roles import LEADER, ROLES
from kube.core.database import immediate_transactions
from kube.core.errors import DomainError
from kube.core.transaction import committed
from kube.extensions import db

user_cli = AppGroup("user", help="Manage user accounts.")


def _read_password() -> str:
    """A hidden prompt on a terminal; the first line of standard input otherwise."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@user_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "full_name", default=None, help="Full name (defaults to the username).")
@click.option("--nip", default=None, help="Staff id (NIP) printed on letters.")
@click.option("--group", "group_code", default=None, help="Group code a leader leads.")
def create_user_command(username, role, full_name, nip, group_code):
    """Create a user; the password is read from a hidden prompt or standard input."""
    from kube.auth import operations

    from kube.groups.operations import leader_link_for_code

    if role == LEADER and not group_code:
        raise click.UsageError("a leader needs --group GROUP_CODE")
    password = _read_password()
    try:
        with committed():
            extra = leader_link_for_code(group_code, role) if group_code else {}
            user = operations.create_user(username, full_name or username, role, password, nip=nip, **extra)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.username} ({user.role}).")


@user_cli.command("list")
def list_users_command():
    """List every account with its role and state."""
    for user in db.session.scalars(select(User).order_by(User.role, User.username)):
        state = "active" if user.active else "inactive"
        click.echo(f"{user.username:<24} {user.role:<8} {state:<8} {user.full_name}")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def demo_command(if_empty):
    """Load demo data (accounts, groups, grants and reports) and print the demo logins."""
    from kube.demo import DEMO_PASSWORD, demo_logins, load_demo

    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("Database already has data; demo data not loaded.")
    else:
        with committed():
            load_demo()
        click.echo("Demo data loaded.")
    logins = demo_logins()
    if logins:
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, name in logins:
            click.echo(f"  {username:<16} {role:<8} {name}")


flags_cli = AppGroup("flags", help="The stored current flags.")


@flags_cli.command("refresh")
def refresh_flags_command():
    """Recompute every active group's current flags; run daily (a report due date passing changes them)."""
    from kube.core.periods import format_month_index
    from kube.monitoring import stored

    started = time.perf_counter()
    with immediate_transactions(), committed():
        result = stored.refresh_all()
    click.echo(f"Flags as of {format_month_index(result.as_of)} refreshed: {result.groups} active groups, "
               f"{result.flags} flags, in {time.perf_counter() - started:.2f} s.")


def register_commands(app: Flask) -> None:
    """Attach Kube's commands to `flask --app wsgi`."""
    app.cli.add_command(user_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(flags_cli)
    from kube.groups.cli import import_members_command
    app.cli.add_command(import_members_command)
    from kube.history.cli import import_history_command
    app.cli.add_command(import_history_command)
    from kube.ledger.cli import letters_cli
    app.cli.add_command(letters_cli)
    from kube.backup.cli import backup_command, restore_command
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
