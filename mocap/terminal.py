"""How the command's processes (the CLI and its workers) talk to the terminal.

Called once by an entry point, never by library code: cliffmocap's own warnings (``mocap`` and
``exporters`` loggers) become one ``warning: <message>`` line each on stderr; Python warnings
(numpy's ``RuntimeWarning``, torch's ``UserWarning``...) are captured into logging and shown only
when debugging, so no third-party warning text reaches a user's terminal.
"""

from __future__ import annotations

import logging
import sys

#: Loggers whose warnings are meant for the user.
OWN_LOGGERS = ("mocap", "exporters")


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record (it may be replaced)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _handler(prefix: str) -> logging.Handler:
    handler = _Stderr()
    handler.setFormatter(logging.Formatter(f"{prefix}: %(message)s"))
    handler.set_name("cliffmocap-terminal")
    return handler


def _replace_ours(logger: logging.Logger, handler: logging.Handler) -> None:
    logger.handlers = [h for h in logger.handlers if h.get_name() != handler.get_name()]
    logger.addHandler(handler)


def setup_terminal(debug: bool = False) -> None:
    """Route this process's warnings as described in the module docstring (idempotent)."""
    for name in OWN_LOGGERS:
        logger = logging.getLogger(name)
        _replace_ours(logger, _handler("warning"))
        logger.setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.captureWarnings(True)
    warnings_log = logging.getLogger("py.warnings")
    warnings_log.propagate = False  # never through another handler to the terminal
    if debug:
        _replace_ours(warnings_log, _handler("debug"))
    else:
        silent = logging.NullHandler()
        silent.set_name("cliffmocap-terminal")
        _replace_ours(warnings_log, silent)
