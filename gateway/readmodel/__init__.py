"""The portal's read model: the hot portal reads (a unit's overview, a resident's tickets, a
ticket, a unit's notifications, a household's and the gate's goods passes, the desk's keys out) answered from the gateway's own tables with one short session
and indexed reads -- no RPC.

- ``projector``: applies the owners' state-carrying, versioned snapshots (events, write
  replies, a rebuild's pages) -- only a version newer than the one held;
- ``views``: reads them back with the caller's scope and masking (``kernel.tenancy``,
  ``kernel.privacy``), SLA states computed at read time (``kernel.deadlines``);
- ``handlers``: the reliable event handlers feeding the projector;
- ``cli``: ``wuye-readmodel rebuild`` replays the owners' current snapshots.
"""
