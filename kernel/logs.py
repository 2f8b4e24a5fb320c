"""Log hygiene for running services.

nameko logs every *expected* error of a worker (our typed ``WuyeError``: a 404, a
refused rule, a bad input) at WARNING **with its traceback** -- a resident typing a
wrong unit id would fill an operator's log with stack traces. A refusal is the
service working as designed: it stays one line (``(expected) error handling
worker ...: message``), and only unexpected errors keep their traceback.
"""
from __future__ import annotations

import logging

NAMEKO_WORKER_LOGGER = "nameko.containers"


class ExpectedErrorsOnOneLine(logging.Filter):
    """Drop the traceback from nameko's "(expected) error handling worker" records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("(expected)"):
            record.exc_info = None
            record.exc_text = None
        return True


def install() -> None:
    """Attach the filters (idempotent); ``kernel.serve`` calls it after configuring logging."""
    logger = logging.getLogger(NAMEKO_WORKER_LOGGER)
    if not any(isinstance(f, ExpectedErrorsOnOneLine) for f in logger.filters):
        logger.addFilter(ExpectedErrorsOnOneLine())
