"""A real SMTP server for tests (aiosmtpd), run as its own process by
:class:`kernel.testing.SmtpSink` -- aiosmtpd runs an asyncio loop in a thread, which an
eventlet-patched test process cannot host.

``python -m kernel.smtpsink DIR`` listens on a free port of 127.0.0.1, prints ``PORT <n>`` and
keeps every accepted message in ``DIR``: ``<n>.eml`` (the bytes received) and ``<n>.json``
(``{"mail_from", "rcpt_tos"}``). ``DIR/answers.json`` (a list of SMTP replies such as
``"451 4.3.0 try later"``) scripts the answers to the next DATA commands: a scripted reply is
given instead of accepting the message (and nothing is kept); when the list is empty the message
is accepted with ``250 OK queued as <n>``. With ``--auth USER:PASSWORD`` the server requires
AUTH (PLAIN/LOGIN) from clients; without TLS, plain-text AUTH is allowed (tests only)."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory: Path):
        self.directory = directory
        self.count = 0

    def _scripted(self) -> str | None:
        path = self.directory / "answers.json"
        try:
            answers = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not answers:
            return None
        answer = answers.pop(0)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(answers), encoding="utf-8")
        os.replace(tmp, path)
        return answer

    async def handle_DATA(self, server, session, envelope):
        scripted = self._scripted()
        if scripted:
            return scripted
        self.count += 1
        n = self.count
        (self.directory / f"{n}.json").write_text(json.dumps(
            {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}), encoding="utf-8")
        tmp = self.directory / f"{n}.eml.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        os.replace(tmp, self.directory / f"{n}.eml")     # seen whole or not at all
        return f"250 OK queued as {n}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--auth", default="")
    args = parser.parse_args(argv)
    directory = Path(args.directory)
    directory.mkdir(parents=True, exist_ok=True)
    user, _, password = args.auth.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and \
            auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    sink = Sink(directory)

    def factory():
        if args.auth:
            return SMTP(sink, hostname="sink.test", authenticator=authenticate, auth_required=True,
                        auth_require_tls=False, decode_data=False)
        return SMTP(sink, hostname="sink.test", decode_data=False)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", 0))
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
