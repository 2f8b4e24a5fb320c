"""nameko entrypoints that finish the unit of work before answering.

nameko calls ``DependencyProvider.worker_result`` only *after* the RPC reply has
gone out (or the message was acked), so a commit there can fail after the
caller already heard "done". These entrypoints commit (or roll back) the
worker's :class:`~kernel.db.Database` session first, and turn a failing commit
into the error the caller sees. They also make ``WuyeError`` and marshmallow's
``ValidationError`` expected (logged without a traceback: a refused input is not a bug) and turn a
``ValidationError`` that escaped a service into a typed ``InvalidInput``.

RPC requests are consumed through the kernel's :class:`SafeQueueConsumer` (an
ack that fails in a broker outage does not kill the container), and a request
whose caller has given up -- its ``wuye_deadline`` (epoch seconds, set by
:mod:`kernel.rpc` from the call's timeout) has passed -- is acked and dropped
unexecuted: the caller already answered its user with a timeout, and running it
now would, e.g., open a second ticket when the user retries.
"""
from __future__ import annotations

import logging
import sys
import time

from marshmallow import ValidationError
from nameko.rpc import Rpc as _NamekoRpc
from nameko.rpc import RpcConsumer as _NamekoRpcConsumer
from nameko.timer import Timer, timer  # noqa: F401  (re-exported: timers finish in worker_result)
from sqlalchemy.exc import IntegrityError

from .db import find_database
from .errors import Conflict, WuyeError, from_marshmallow
from .messaging.handler import SafeQueueConsumer, event_handler  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)

#: context-data key carrying the time (epoch seconds) after which the caller no longer waits
DEADLINE_KEY = "wuye_deadline"


def _reraise_as(exc):
    try:
        raise exc
    except Exception:
        return sys.exc_info()


def finish_unit_of_work(container, worker_ctx, exc_info):
    """Commit or roll back the worker's database session; return the final exc_info."""
    if exc_info is not None and isinstance(exc_info[1], ValidationError):
        exc_info = _reraise_as(from_marshmallow(exc_info[1]))
    database = find_database(container)
    if database is None:
        return exc_info
    try:
        database.finish(worker_ctx, exc_info)
    except IntegrityError as exc:
        log.info("commit refused by the database: %s", exc.orig)
        return _reraise_as(Conflict("the write conflicts with data that already exists",
                                    code="conflicting_write", zh="与已有数据冲突，未保存，请稍后重试"))
    except Exception:
        return sys.exc_info()
    return exc_info


def request_expired(context_data: dict, now: float | None = None) -> bool:
    deadline = context_data.get(DEADLINE_KEY)
    if deadline is None:
        return False
    try:
        return (time.time() if now is None else now) > float(deadline)
    except (TypeError, ValueError):
        return False


class RpcConsumer(_NamekoRpcConsumer):
    queue_consumer = SafeQueueConsumer()

    def handle_result(self, message, result, exc_info):
        try:
            return super().handle_result(message, result, exc_info)
        except Exception:
            # reached for requests refused before a worker ran (unknown method,
            # malformed): the reply could not go out; never kill the container for it
            log.warning("could not answer a refused request on %s",
                        message.delivery_info.get("routing_key"), exc_info=True)
            self.queue_consumer.ack_message(message)
            return result, exc_info


class Rpc(_NamekoRpc):
    rpc_consumer = RpcConsumer()

    def __init__(self, expected_exceptions=(WuyeError, ValidationError), **kwargs):
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)

    def handle_message(self, body, message):
        context_data = self.unpack_message_headers(message)
        if request_expired(context_data):
            log.warning("dropping %s: its caller gave up at %s (%.1fs ago); not executed",
                        message.delivery_info.get("routing_key"), context_data.get(DEADLINE_KEY),
                        time.time() - float(context_data[DEADLINE_KEY]))
            self.rpc_consumer.queue_consumer.ack_message(message)
            return
        super().handle_message(body, message)

    def handle_result(self, message, worker_ctx, result, exc_info):
        exc_info = finish_unit_of_work(self.container, worker_ctx, exc_info)
        if exc_info is not None:
            result = None
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except Exception:
            # The reply could not be published (broker gone mid-request). The work
            # is committed and its events wait in the outbox; the caller times out.
            # Raising here would make nameko kill the whole container.
            log.exception("could not send the reply of %s; the caller will time out", worker_ctx)
            try:
                # the work is done: do not let the request be redelivered and run twice
                self.rpc_consumer.queue_consumer.ack_message(message)
            except Exception:
                log.warning("could not ack the request either; it may be redelivered")
            return result, exc_info


rpc = Rpc.decorator


class ConfigTimer(Timer):
    """nameko's timer with its interval read from config ``config_key`` at setup,
    so an operator (or a test) can tune how often a background job runs."""

    def __init__(self, config_key: str, default: float, **kwargs):
        self.config_key = config_key
        super().__init__(interval=default, **kwargs)

    def setup(self):
        self.interval = float(self.container.config.get(self.config_key, self.interval))


timer_from_config = ConfigTimer.decorator
