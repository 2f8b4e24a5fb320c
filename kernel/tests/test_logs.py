"""A service's expected refusals are one log line; unexpected errors keep their traceback."""
import logging

from kernel import logs
from kernel.errors import NotFound


def _log_worker_error(logger, exc, expected: bool):
    # the exact calls nameko.containers makes in ServiceContainer._run_worker
    try:
        raise exc
    except Exception:
        if expected:
            logger.warning("(expected) error handling worker %s: %s", "<ctx>", exc, exc_info=True)
        else:
            logger.exception("error handling worker %s: %s", "<ctx>", exc)


def test_expected_errors_lose_their_traceback_unexpected_ones_keep_it(caplog):
    logs.install()
    logs.install()                                   # idempotent
    logger = logging.getLogger(logs.NAMEKO_WORKER_LOGGER)
    assert sum(isinstance(f, logs.ExpectedErrorsOnOneLine) for f in logger.filters) == 1
    with caplog.at_level(logging.INFO, logger=logs.NAMEKO_WORKER_LOGGER):
        _log_worker_error(logger, NotFound("no such unit", code="unit_not_found"), expected=True)
        _log_worker_error(logger, RuntimeError("a bug"), expected=False)
    expected, unexpected = caplog.records
    assert expected.levelname == "WARNING" and expected.exc_info is None
    assert "no such unit" in expected.getMessage()
    assert "Traceback" not in caplog.text.split("a bug")[0]
    assert unexpected.levelname == "ERROR" and unexpected.exc_info is not None
