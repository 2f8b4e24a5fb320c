"""Broadcasts (群发, notify, issue 10): a message to a project, a building or a list of units -- a
planned outage, a community event, a holiday greeting -- created, followed, listed and cancelled by
the project's CS manager or service-centre manager. notify's ``domain/broadcasts.py`` holds the rules
(recipients from its registry copies, chunks through jobs, one message per broadcast and recipient)."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule

MANAGERS = "CS manager, centre manager of the project"
READERS = f"{MANAGERS}; general manager, group admin"
#: a broadcast to 10,000 listed units (unit_ids of 36 characters: ~390 KB of JSON) fits; other routes keep 64 KiB
BROADCAST_MAX_BODY = 512 * 1024


class BroadcastRoutes(RouteModule):
    @route("POST", f"{V1}/projects/{{project_id}}/broadcasts", tags=("notify",), body=s.BroadcastIn,
           response=s.BroadcastOut, errors=(400, 403, 404, 409, 413, 422), idempotency="required",
           max_body=BROADCAST_MAX_BODY,
           summary=f"Broadcast a message to the project, a building or a list of its units ({MANAGERS})",
           description="The units are fixed now; from send_at (default now) they are sent in chunks (the "
                       "project's broadcast.chunk_size, 500) by notify's jobs: an in-app message per unit "
                       "(and the printed notice with print), an SMS / e-mail / WeChat message per payer of the "
                       "unit's household, one message per recipient. 400 broadcast_values (details.missing, "
                       "details.unknown), not_a_broadcast_purpose, unsupported_channel; 422 "
                       "broadcast_without_units; 404 unit_not_found (details.unit_ids), building_not_found. The body may be "
                       "up to 512 KiB (10,000 unit_ids); 413 body_too_large beyond.")
    def create_broadcast(self, request, user, project_id, body, idempotency_key):
        return self._as(user)("notify", "create_broadcast", project_id, s.BroadcastIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/broadcasts", tags=("notify",), query=s.BroadcastQuery,
           response=s.BroadcastOut, many=True, errors=(400, 403, 404),
           summary=f"The project's broadcasts, newest first, with their progress ({READERS})")
    def list_broadcasts(self, request, user, project_id, query):
        return self._as(user)("notify", "list_broadcasts", project_id, dict(query))

    @route("GET", f"{V1}/broadcasts/{{broadcast_id}}", tags=("notify",), response=s.BroadcastOut,
           errors=(403, 404),
           summary=f"A broadcast's progress: units done, notifications made, deliveries by status ({READERS})")
    def get_broadcast(self, request, user, broadcast_id):
        return self._as(user)("notify", "get_broadcast", broadcast_id)

    @route("POST", f"{V1}/broadcasts/{{broadcast_id}}/cancel", tags=("notify",), response=s.BroadcastOut,
           errors=(403, 404, 409), idempotency="required",
           summary=f"Cancel a broadcast: the chunks not run and the deliveries not sent yet ({MANAGERS})",
           description="Sent and delivered messages stay; pending deliveries not in a sender's hands and "
                       "queued printed notices become cancelled. 409 broadcast_cancelled the second time.")
    def cancel_broadcast(self, request, user, broadcast_id, idempotency_key):
        return self._as(user)("notify", "cancel_broadcast", broadcast_id, idempotency_key=idempotency_key)
