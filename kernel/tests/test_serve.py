"""``python -m kernel.serve`` stops promptly on SIGTERM, even an idle HTTP service."""
import os
import signal
import socket
import subprocess
import sys
import time

import requests

from kernel.config import ROOT
from kernel.testing import wait_for


def test_sigterm_stops_an_idle_http_service_promptly(tmp_path, rabbit_config):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "pinger.yaml"
    config.write_text(f"AMQP_URI: {rabbit_config['AMQP_URI']}\nWEB_SERVER_ADDRESS: 127.0.0.1:{port}\n"
                      "SHUTDOWN_GRACE: 5\n")
    proc = subprocess.Popen([sys.executable, "-m", "kernel.serve", "--config", str(config),
                             "kernel.tests.serve_target:Pinger"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, PYTHONWARNINGS="default"))   # show every warning
    try:
        wait_for(lambda: _answers(port), timeout=30, interval=0.2, message="the service to listen")
        time.sleep(1.0)                                   # let the hub go idle
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=10) == 0                # `nameko run` would still be running
        output = proc.stdout.read()
        assert "stopping (signal 15)" in output
        # an operator reads this output: no library deprecation notices in it
        assert "Warning" not in output and "deprecated" not in output, output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _answers(port):
    try:
        return requests.get(f"http://127.0.0.1:{port}/ping", timeout=1).text == "pong"
    except requests.RequestException:
        return False
