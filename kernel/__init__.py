"""Wuye's shared kernel: the small set of mechanisms every service uses.

Nothing here knows about repairs, fees or households. The pieces:

- ``kernel.errors``     typed errors that cross RPC intact and map to HTTP statuses
- ``kernel.money``      Decimal money: 2 places, half-up, string on the wire
- ``kernel.clock``      injectable clock (system / manual) so tests can move time
- ``kernel.tenancy``    the caller (group, projects, units, roles) and its signature
- ``kernel.db``         engines, the per-worker session provider, migrations
- ``kernel.messaging``  transactional outbox + relay, inbox, reliable event handlers,
                        retries with backoff and the dead-letter queue
- ``kernel.entrypoints`` nameko entrypoints that commit before they answer
- ``kernel.rpc``        a pool of RPC proxies with timeouts, for callers outside services
"""

import warnings as _warnings

# eventlet prints a deprecation notice on import; nameko 2.x needs eventlet, and
# the notice only clutters every CLI's output.
_warnings.filterwarnings("ignore", message="(?s).*Eventlet is deprecated")
