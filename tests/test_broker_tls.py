"""TLS to the broker: ``amqps://`` plus ``AMQP_SSL`` reach every connection a service
makes -- nameko's RPC and event consumers, the kernel's outbox relay -- and a broker
whose certificate the CA does not vouch for is refused.

The local RabbitMQ has no TLS listener, so a TLS terminator (self-signed certificate
made with openssl) stands in front of it, counting the TLS sessions it carries.
"""
import ssl
import subprocess

import eventlet
import pytest
from eventlet.green import ssl as green_ssl
from kombu import Connection
from kombu.exceptions import OperationalError

from kernel.rpc import RpcPool
from kernel.testing import (TEST_SECRET, migrated_sqlite, publish_event, resident, service_config, wait_for)
from services.tickets.service import TicketsService

G = "group-1"


def make_cert(directory, name):
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


class TlsTerminator:
    """Accepts TLS on a local port and forwards the plain bytes to RabbitMQ."""

    def __init__(self, cert, key, target=("127.0.0.1", 5672)):
        self.context = green_ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(str(cert), str(key))
        self.target = target
        self.listener = eventlet.listen(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sessions = 0
        self.sockets = []
        self.threads = [eventlet.spawn(self._serve)]

    def _pipe(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except (OSError, ValueError):
            pass
        for sock in (src, dst):          # one side ended: end the other (a TLS peer waits for it)
            try:
                sock.close()
            except (OSError, ValueError):
                pass

    def _serve(self):
        while True:
            client, _ = self.listener.accept()
            try:
                tls = self.context.wrap_socket(client, server_side=True)
                tls.do_handshake()
            except (OSError, ssl.SSLError):
                client.close()
                continue
            self.sessions += 1
            upstream = eventlet.connect(self.target)
            self.sockets += [tls, upstream]
            self.threads += [eventlet.spawn(self._pipe, tls, upstream), eventlet.spawn(self._pipe, upstream, tls)]

    def close(self):
        for thread in self.threads:
            thread.kill()
        for sock in self.sockets:
            try:
                sock.close()
            except (OSError, ValueError):
                pass
        self.listener.close()


@pytest.fixture
def tls_broker(tmp_path):
    cert, key = make_cert(tmp_path, "broker")
    terminator = TlsTerminator(cert, key)
    yield terminator, cert
    terminator.close()


def test_a_service_speaks_tls_to_the_broker(rabbit_config, tls_broker, container_factory, tmp_path,
                                           capture_events):
    terminator, ca = tls_broker
    tls = {"AMQP_URI": f"amqps://guest:guest@localhost:{terminator.port}/{rabbit_config['vhost']}",
           "AMQP_SSL": {"ca_certs": str(ca), "server_hostname": "localhost"}}
    tickets = container_factory(TicketsService, service_config(
        tls["AMQP_URI"], migrated_sqlite(tmp_path, "tickets"), AMQP_SSL=tls["AMQP_SSL"]))
    tickets.start()
    capture = capture_events("tickets")
    plain = rabbit_config["AMQP_URI"]
    for event_type, data in (
        ("project.changed", {"project_id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园",
                             "kind": "residential", "timezone": "Asia/Shanghai", "version": 1}),
        ("unit.changed", {"unit_id": "u1", "group_id": G, "project_id": "p1", "building_id": "b1",
                          "building_name": "1栋", "number": "0101", "label": "1栋-0101", "floor": 1,
                          "building_area": "89.37", "usage": "residential", "version": 1})):
        publish_event(plain, "archive", event_type, data, group_id=G, project_id="p1")
    pool = RpcPool(dict(tls, WUYE_SECRET=TEST_SECRET), size=1, timeout=10)
    try:
        def opened():
            try:
                return pool.call(resident(G, ["u1"]), "tickets", "open_repair",
                                 {"unit_id": "u1", "content": "楼道灯不亮", "category": "public_area"})
            except Exception:
                return None
        ticket = wait_for(opened, timeout=15, message="an RPC over TLS")     # consumer + reply over TLS
    finally:
        pool.close()
    # the event came through the kernel's outbox relay -- its own connection, over TLS too
    [event] = capture.wait_for("ticket.opened")
    assert event["data"]["ticket_id"] == ticket["id"]
    assert terminator.sessions >= 3, "the service's consumer, its relay and the RPC client each use TLS"
    tickets.stop()      # before the test's vhost goes: closing TLS sessions needs the peer


def test_a_broker_certificate_the_ca_does_not_vouch_for_is_refused(tls_broker, tmp_path):
    terminator, _ = tls_broker
    other_ca, _ = make_cert(tmp_path, "other")
    uri = f"amqps://guest:guest@localhost:{terminator.port}//"
    with Connection(uri, ssl={"ca_certs": str(other_ca), "server_hostname": "localhost"}, connect_timeout=5) as conn:
        with pytest.raises(OperationalError, match="CERTIFICATE_VERIFY_FAILED"):
            conn.ensure_connection(max_retries=0)
    assert terminator.sessions == 0
