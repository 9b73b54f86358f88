"""``python -m console``: serve the console, or manage accounts from the command line.

    python -m console                      serve on CONSOLE_INTERFACE:CONSOLE_PORT
    python -m console create-admin NAME    the first admin (password asked twice)
    python -m console create-account NAME --role editor|counselor|admin [--counselor ID]
    python -m console set-password NAME

A password comes from the terminal, or from standard input with ``--password-stdin``
(one line), never from the command line, where every local user could read it.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from jmd.accounts.repository import AccountError, audit, create_account, set_password
from jmd.db import session_scope
from jmd.db.migrate import upgrade
from jmd.shared.logging_setup import setup_logging
from jmd.shared.settings import get_settings


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Passwort: ")
    if first != getpass.getpass("Noch einmal: "):
        raise AccountError("Die beiden Passwörter sind verschieden")
    return first


def serve() -> int:
    import uvicorn

    from console.app import build_app

    settings = get_settings()
    setup_logging(settings)
    upgrade(settings.database_url)
    # the console's own access log would show every URL; Starlette's errors are logged
    uvicorn.run(build_app(settings), host=settings.console_interface,
                port=settings.console_port, access_log=False, log_level="warning",
                proxy_headers=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command")
    admin = commands.add_parser("create-admin", help="the first admin account")
    admin.add_argument("username")
    admin.add_argument("--password-stdin", action="store_true")
    other = commands.add_parser("create-account", help="an editor, counselor or admin")
    other.add_argument("username")
    other.add_argument("--role", required=True, choices=("editor", "counselor", "admin"))
    other.add_argument("--counselor", type=int, help="counselors.id of a counselor's account")
    other.add_argument("--password-stdin", action="store_true")
    reset = commands.add_parser("set-password", help="a new password (ends its sessions)")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)
    if args.command is None:
        return serve()
    logging.basicConfig(level=logging.WARNING)
    upgrade(get_settings().database_url)
    try:
        password = _password(args.password_stdin)
        with session_scope() as session:
            if args.command == "set-password":
                set_password(session, args.username, password)
                audit(session, "(Kommandozeile)", "account.password", args.username)
            else:
                role = "admin" if args.command == "create-admin" else args.role
                create_account(session, args.username, password, role,
                               getattr(args, "counselor", None))
                audit(session, "(Kommandozeile)", "account.create", args.username, role)
    except AccountError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return 1
    print(f"OK: {args.username}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
