"""How the ``cliffmocap`` command reports errors: one ``error: <line>`` per line on stderr.

Parser mistakes (bad option, missing value) and errors of the run alike; ``--debug`` adds the
traceback. Options take the place of setting names (:func:`mocap.cli_run.with_flags`).
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

import typer
import typer.core
from rich.console import Console
from typer._click.exceptions import NoArgsIsHelpError
from typer._click.exceptions import UsageError as ClickUsageError

from mocap.cli_run import EXIT_INTERRUPTED, EXIT_USAGE, with_flags


class OneLineErrors(typer.core.TyperCommand):
    """Command-line mistakes found by the parser are one ``error:`` line too (exit 2), not the
    parser's usage block; a file name starting with ``-`` gets the ``--`` hint."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        err = Console(stderr=True, highlight=False)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as e:
            e.show()
            code = e.exit_code
        except typer.TyperException as e:  # bad option, missing or invalid value...
            message = e.format_message()
            argv = kwargs.get("args") or (args[0] if args else None) or sys.argv[1:]
            dashed = [a for a in argv if a.startswith("-") and "." in a and "=" not in a]
            if isinstance(e, ClickUsageError) and "No such option" in message and dashed:
                message += (
                    "; a file name that starts with '-' goes after '--', e.g. "
                    "cliffmocap --out a.glb -- -clip.mp4"
                )
            err.print(f"error: {message}", markup=False, soft_wrap=True)
            code = EXIT_USAGE if isinstance(e, ClickUsageError) else e.exit_code
        except typer.Abort:
            err.print("error: interrupted.", markup=False)
            code = EXIT_INTERRUPTED
        if not standalone_mode:
            return code
        sys.exit(code or 0)


def fail(console: Console, message: str, code: int, debug: bool) -> typer.Exit:
    """Print ``error: <line>`` for each line of ``message`` (options in place of settings)."""
    if debug:
        console.print(traceback.format_exc(), markup=False, highlight=False)
    for line in with_flags(message).splitlines() or [""]:
        console.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)
