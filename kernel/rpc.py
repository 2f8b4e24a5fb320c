"""A pool of RPC proxies with timeouts, for callers that are not services
(the gateway, the CLI tools, the demo seeder, tests).

nameko's standalone ``ClusterRpcProxy`` is single-threaded -- one caller at a
time -- and each one holds a connection and a reply queue, so making one per
HTTP request is slow and leaks queues under load. The pool keeps up to
``size`` started proxies; a call borrows one, sets the caller's context
data on it, makes the call and gives it back. ``call(caller, service, method)``
signs the caller for that one service and method, with a fresh request id and
a short expiry (config ``CALLER_CONTEXT_TTL``, see :func:`kernel.tenancy.context_for`);
services refuse a context signed for another call. A proxy whose connection broke
is thrown away and replaced. Every call has a timeout (``RpcTimeout``).

A request expires with its timeout: it is published with that AMQP
``expiration`` (the broker drops it unread) and carries ``wuye_deadline`` (epoch
seconds) in its context data, which the kernel's ``Rpc`` entrypoint checks
before running it -- a request whose caller already gave up is never executed.
"""
from __future__ import annotations

import contextlib
import logging
import os
import socket
import time

import eventlet
from eventlet.queue import LightQueue
from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import MethodProxy, ServiceProxy
from nameko.standalone.rpc import ClusterProxy, ClusterRpcProxy

from .config import amqp_ssl, local_amqp_uri, local_secret, secret_from
from .errors import Unavailable, WuyeError, parse_remote_error
from .tenancy import DEFAULT_CONTEXT_TTL, Caller, context_for

log = logging.getLogger(__name__)

DEADLINE_KEY = "wuye_deadline"   # kernel.entrypoints.DEADLINE_KEY


class _ExpiringMethodProxy(MethodProxy):
    """Each request carries its deadline (now + timeout) and expires on the broker with it."""

    def __init__(self, *args, timeout: float, **options):
        self.timeout = timeout
        super().__init__(*args, expiration=timeout, **options)

    def get_message_headers(self, worker_ctx):
        headers = super().get_message_headers(worker_ctx)
        headers[self._get_header_name(DEADLINE_KEY)] = round(time.time() + self.timeout, 3)
        return headers


class _ExpiringServiceProxy(ServiceProxy):
    def __getattr__(self, name):
        return _ExpiringMethodProxy(self.worker_ctx, self.service_name, name, self.reply_listener,
                                    **self.options)


class _ExpiringClusterProxy(ClusterProxy):
    def __init__(self, worker_ctx, reply_listener, timeout: float):
        super().__init__(worker_ctx, reply_listener)
        self._timeout = timeout

    def __getattr__(self, name):
        if name not in self._proxies:
            self._proxies[name] = _ExpiringServiceProxy(self._worker_ctx, name, self._reply_listener,
                                                        timeout=self._timeout)
        return self._proxies[name]


class _PooledProxy:
    def __init__(self, config: dict, timeout: float):
        self._standalone = ClusterRpcProxy(config, context_data={}, timeout=timeout)
        self._standalone._proxy = _ExpiringClusterProxy(self._standalone._worker_ctx,
                                                        self._standalone._reply_listener, timeout)
        self.cluster = self._standalone.start()

    def set_context(self, context: dict) -> None:
        data = self._standalone._worker_ctx.data
        data.clear()
        data.update(context)

    def close(self) -> None:
        try:
            self._standalone.stop()
        except Exception:  # already broken
            pass


class RpcPool:
    def __init__(self, config: dict, size: int = 8, timeout: float = 10.0):
        self.config = config
        self.size = size
        self.timeout = timeout
        self._idle: LightQueue = LightQueue()
        self._created = 0
        self._closed = False
        self.context_ttl = float(config.get("CALLER_CONTEXT_TTL", DEFAULT_CONTEXT_TTL))
        self._secret: str | None = None

    def signed_context(self, caller: Caller | dict | None, service: str, method: str) -> dict:
        """The context data for one call: ``caller`` signed for ``service.method`` now.
        ``None`` sends no caller (health pings); a dict is sent as it is (tests of refusals)."""
        if caller is None:
            return {}
        if isinstance(caller, dict):
            return caller
        if self._secret is None:
            self._secret = secret_from(self.config)
        return context_for(caller, self._secret, service, method, ttl=self.context_ttl)

    def _acquire(self) -> _PooledProxy:
        if self._closed:
            raise RuntimeError("RPC pool is closed")
        try:
            return self._idle.get_nowait()
        except eventlet.queue.Empty:
            pass
        if self._created < self.size:
            self._created += 1
            try:
                return _PooledProxy(self.config, self.timeout)
            except Exception:
                self._created -= 1
                raise
        return self._idle.get(timeout=self.timeout)

    def _release(self, proxy: _PooledProxy, broken: bool) -> None:
        if broken or self._closed:
            proxy.close()
            self._created -= 1
        else:
            self._idle.put(proxy)

    @contextlib.contextmanager
    def cluster(self, context: dict | None = None):
        """Borrow a proxy with ``context`` data set as it is:
        ``with pool.cluster(pool.signed_context(caller, "tickets", "get_ticket")) as c:
        c.tickets.get_ticket(id)`` -- a signed context is good for that one method only."""
        proxy = self._acquire()
        broken = False
        try:
            proxy.set_context(context or {})
            yield proxy.cluster
        except RpcTimeout:
            # the late reply would land in this proxy's queue; start clean
            broken = True
            raise
        except (socket.error, IOError, RuntimeError, ConnectionError):
            broken = True
            raise
        finally:
            self._release(proxy, broken)

    def call(self, caller: Caller | dict | None, service: str, method: str, *args, **kwargs):
        """``service.method(*args, **kwargs)`` as ``caller`` (see :meth:`signed_context`)."""
        context = self.signed_context(caller, service, method)
        with self.cluster(context) as cluster:
            return getattr(getattr(cluster, service), method)(*args, **kwargs)

    def ask(self, caller: Caller | dict | None, service: str, method: str, *args,
            unavailable: type[WuyeError] = Unavailable, refusals: dict | None = None, **kwargs):
        """A service asking another one a question it cannot go on without -- **fail closed**:
        ``service.method(*args)`` as :meth:`call`, but every way of not getting an answer is the
        typed ``unavailable`` error (a 503 at the gateway) saying why: no answer within the pool's
        timeout, the broker or the service unreachable, the other side failing. A typed refusal of
        the other side whose code is in ``refusals`` (``{code: error class}``) is raised as that
        error with its message and details; any other refusal is ``unavailable`` too (the asker
        cannot tell what the answer would have been)."""
        try:
            return self.call(caller, service, method, *args, **kwargs)
        except RpcTimeout:
            raise unavailable(f"{service} did not answer within {self.timeout:g} s; nothing was done, "
                              f"try again shortly", details={"service": service, "reason": "timeout"})
        except RemoteError as exc:
            kind, code, message, details = parse_remote_error(exc.exc_type, exc.value)
            if refusals and code in refusals:
                raise refusals[code](message, details=details)
            log.warning("%s.%s refused or failed: %s %s", service, method, kind, code or message)
            raise unavailable(f"{service} could not answer ({code or kind}); nothing was done",
                              details={"service": service, "reason": code or kind})
        except (UnknownService, OSError, RuntimeError, eventlet.queue.Empty, OperationalError, AMQPError) as exc:
            log.warning("%s unreachable: %s: %s", service, type(exc).__name__, exc)
            raise unavailable(f"{service} cannot be reached; nothing was done, try again shortly",
                              details={"service": service, "reason": "unreachable"})

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except eventlet.queue.Empty:
                break


def local_pool(size: int = 2, timeout: float = 30.0) -> RpcPool:
    """A pool for a command-line tool of this checkout (``./wuye readmodel``, ``./wuye billing``):
    the broker ``AMQP_URI`` (else the vhost of the running ``./wuye up``), its TLS options, and the
    platform secret ``WUYE_SECRET`` (else ``var/secret`` of ``./wuye up``); ``RPC_TIMEOUT``
    overrides ``timeout``. ``pool.config["AMQP_URI"]`` says where it calls."""
    config = {"AMQP_URI": local_amqp_uri(), "AMQP_SSL": amqp_ssl()}
    secret = local_secret()
    if secret:
        config["WUYE_SECRET"] = secret
    return RpcPool(config, size=size, timeout=float(os.environ.get("RPC_TIMEOUT") or timeout))


class RpcPoolProvider(DependencyProvider):
    """Gives a nameko service (the gateway) one shared :class:`RpcPool`.

    Config: ``{prefix}_POOL_SIZE`` (default 16), ``{prefix}_TIMEOUT`` seconds
    (default 10); prefix ``RPC`` unless told otherwise.
    """

    def __init__(self, prefix: str = "RPC", size: int = 16, timeout: float = 10.0):
        self.prefix, self.default_size, self.default_timeout = prefix, size, timeout

    def setup(self):
        config = self.container.config
        self.pool = RpcPool(config, size=int(config.get(f"{self.prefix}_POOL_SIZE", self.default_size)),
                            timeout=float(config.get(f"{self.prefix}_TIMEOUT", self.default_timeout)))

    def stop(self):
        self.pool.close()

    def kill(self):
        self.pool.close()

    def get_dependency(self, worker_ctx) -> RpcPool:
        return self.pool
