"""The root command group, loading each command group's module only when that group is run.

``finaid --help`` lists the groups from the table below without importing them; ``finaid case decide …``
imports ``adapters.driving.cli.case`` and nothing of the other groups (issue 17 item 2: start-up). The table's
help of each group is that module's own ``typer.Typer(help=…)``: a test (``tests/unit/test_cli_lazy.py``)
imports every group and checks the two agree, so the listing never drifts.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

# group name -> (module under adapters.driving.cli, its help); in the order ``--help`` lists them
GROUPS: dict[str, tuple[str, str]] = {
    "case": ("case", "Decide one application (a case bundle) and show the decision basis."),
    "schema": ("schema", "Print the JSON Schemas of the contract (for e-services and case systems)."),
    "demo": ("demo", "Synthetic demo data (no real people): decide the shipped example households."),
    "doctor": ("doctor", "Check the installation: database, roles, keys, registry, rule packs, disk."),
    "audit": ("audit", "For auditors (internal control, JO, IVO, courts): why, replay, verify, query, access."),
    "db": ("db", "The database: apply migrations, create and grant the roles, back up, rotate and restore."),
    "retention": ("retention", "Gallring: delete personal data when the law says so."),
    "batch": ("batch", "The nightly batch: decide every new application, unattended."),
    "sandbox": ("sandbox", "The sandbox SSBTEK registry (demo mode only, 127.0.0.1): synthetic answers in the real "
                           "SOAP shape."),
    "registry": ("registry", "The registry connection (SSBTEK, or the sandbox in demo mode)."),
    "web": ("web", "The handlers' web app (sign-off) and the HTTP API."),
    "etjanst": ("etjanst", "The applicants' e-service (e-tjänst): apply, follow the case, read the decision."),
    "users": ("users", "People who log in to the web app, their roles and units."),
    "units": ("units", "Units (enheter) and the municipalities they handle."),
    "tokens": ("tokens", "API tokens for calling systems (e-service, case system)."),
    "rules": ("rules", "Rule packs and municipal guidelines: what they say, which one a decision uses, whether the "
                       "published ones are unchanged, publishing a new one, and its impact on past cases before it is "
                       "published."),
}


def group_module(name: str) -> Any:
    """The module of one command group (imported on first use, through the import statement's own machinery so
    that ``python -X importtime`` lists it and what it imports)."""
    module = f"adapters.driving.cli.{GROUPS[name][0]}"
    __import__(module)
    return sys.modules[module]


class LazyGroup(TyperGroup):
    """A typer group whose sub-groups are imported when run; their help is listed from ``GROUPS``."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in GROUPS if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in GROUPS:
            return None
        if self._listing:  # the root's help lists the group without importing it
            return TyperCommand(name=cmd_name, help=GROUPS[cmd_name][1], short_help=GROUPS[cmd_name][1])
        group = group_module(cmd_name).app
        group._add_completion = False  # a sub-group, as add_typer would make it: no completion options of its own
        group.rich_markup_mode = None  # plain help text, as the root's (adapters/driving/cli/main.py)
        command = typer.main.get_group(group)  # a group even when it has one command, as add_typer makes it
        command.name = cmd_name
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
