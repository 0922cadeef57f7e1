"""The `account-health` command (CONTRACT section 2).

Each module here registers its commands and only translates: options in, a service
call, output out. User errors become one line and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys

import typer

from account_health.cli import data, demo, engine, jobs, slack
from account_health.cli.common import UserError, fail
from account_health.config import SettingsError

app = typer.Typer(
    name="account-health",
    help="Account-level customer health for B2B customer-success teams.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (demo, data, engine, slack, jobs):
    module.register(app)


def main() -> None:
    try:
        app()
    except (UserError, SettingsError) as error:
        fail(str(error))
    except KeyboardInterrupt:
        sys.exit(130)
