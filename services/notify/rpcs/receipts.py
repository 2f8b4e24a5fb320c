"""notify's providers' delivery receipts (回执): from the gateway's webhook routes -- wiring only, inherited by
:class:`~services.notify.service.NotifyService`."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import receipts
from ..exceptions import UnsupportedChannel


class ReceiptRpcs:
    # -- the providers' delivery receipts (回执, issue 10): from the gateway's webhook routes ----------
    @rpc
    def record_receipts(self, channel, body, timestamp=None, signature=None):
        """A provider's status reports as it sent them (``body``: the request's text), with its
        ``X-Timestamp`` and ``X-Signature``: verified with the channel's receipt key, then recorded
        (``domain/receipts.py``). Idempotent by nature: a report applied once changes nothing again."""
        if channel not in receipts.RECEIPT_CHANNELS:
            raise UnsupportedChannel(f"no delivery receipts for {channel!r}", zh=f"{channel} 渠道没有送达回执")
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
        work = self.work()
        receipts.verify(receipts.ReceiptKeys.from_config(self.config), channel, raw, timestamp, signature,
                        work.clock.now())
        reports = schemas.ReceiptReportIn(many=True).load(receipts.parse(raw))
        return schemas.ReceiptsOut().dump(receipts.record_receipts(work, channel, reports))
