"""A household's people, leases, move-in checklist, move-out and transfer of ownership (archive,
issue 11). The customer-service desk (front desk, steward, CS manager, centre manager) records;
reads go through archive's access check (``access.require_read``: the customer-service department,
others under the CS head's grant, residents their own household's people -- ID numbers masked), each
a row of the file's access log."""
from __future__ import annotations

from .. import schemas as s
from ..routing import Created, route
from .base import V1, RouteModule

DESK = "(customer-service desk: front desk, steward, CS manager, centre manager)"
READERS = "(customer service; a resident their own household; others under the CS head's grant -- each read logged)"
CS = "(customer service; others under the CS head's grant -- each read logged)"


class PeopleRoutes(RouteModule):
    @route("GET", f"{V1}/households/{{household_id}}/people", tags=("archive",), response=s.PeopleOut,
           errors=(403, 404), summary=f"A household's people and leases, ID numbers masked {READERS}")
    def household_people(self, request, user, household_id):
        return self._as(user)("archive", "list_people", household_id)

    @route("POST", f"{V1}/households/{{household_id}}/people", tags=("archive",), body=s.NewPersonIn,
           response=s.PersonViewOut, status=201, errors=(403, 404, 409), idempotent=True,
           summary=f"Add a person: owner, family, tenant (of a lease), emergency contact {DESK}")
    def add_person(self, request, user, household_id, body, idempotency_key):
        result = self._as(user)("archive", "add_person", household_id, s.NewPersonIn().dump(body),
                                idempotency_key=idempotency_key)
        return Created(result, result.pop("created", True))

    @route("PUT", f"{V1}/people/{{person_id}}", tags=("archive",), body=s.PersonChangeIn,
           response=s.PersonChangedOut, errors=(403, 404, 409), idempotent=True,
           summary=f"Change a person's contacts, role or document; only the fields sent change, each one "
                   f"recorded in the history {DESK}")
    def update_person(self, request, user, person_id, body, idempotency_key):
        return self._as(user)("archive", "update_person", person_id, s.PersonChangeIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/people/{{person_id}}/remove", tags=("archive",), body=s.PersonRemoveIn,
           response=s.PeopleOut, errors=(403, 404, 409), idempotent=True,
           summary=f"A person leaves the household, with the reason (recorded) {DESK}")
    def remove_person(self, request, user, person_id, body, idempotency_key):
        return self._as(user)("archive", "remove_person", person_id, s.PersonRemoveIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/households/{{household_id}}/people/history", tags=("archive",),
           response=s.PersonChangeOut, many=True, errors=(403, 404),
           summary=f"Every change of the household's people: who changed what from what to what, when {CS}")
    def people_history(self, request, user, household_id):
        return self._as(user)("archive", "person_history", household_id)

    @route("POST", f"{V1}/households/{{household_id}}/leases", tags=("archive",), body=s.LeaseIn,
           response=s.LeaseOut, status=201, errors=(403, 404, 409), idempotent=True,
           summary=f"Register a lease with its tenants (租户情况记录表) {DESK}")
    def register_lease(self, request, user, household_id, body, idempotency_key):
        result = self._as(user)("archive", "register_lease", household_id, s.LeaseIn().dump(body),
                                idempotency_key=idempotency_key)
        return Created(result, result.pop("created", True))

    @route("POST", f"{V1}/leases/{{lease_id}}/end", tags=("archive",), body=s.LeaseEndIn, response=s.LeaseOut,
           errors=(403, 404, 409), idempotent=True,
           summary=f"End a lease: its tenants leave the household {DESK}")
    def end_lease(self, request, user, lease_id, body, idempotency_key):
        return self._as(user)("archive", "end_lease", lease_id, s.LeaseEndIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/households/{{household_id}}/checklist", tags=("archive",),
           response=s.ChecklistItemOut, many=True, errors=(403, 404),
           summary=f"The household's move-in and transfer checklist: present / missing, who, when {CS}")
    def household_checklist(self, request, user, household_id):
        return self._as(user)("archive", "household_checklist", household_id)

    @route("POST", f"{V1}/households/{{household_id}}/checklist/{{doc_type}}", tags=("archive",),
           body=s.ChecklistTickIn, response=s.ChecklistItemOut, errors=(403, 404), idempotent=True,
           summary=f"Tick a checklist item present (or missing again) with a note {DESK}")
    def tick_checklist_item(self, request, user, household_id, doc_type, body, idempotency_key):
        return self._as(user)("archive", "tick_checklist_item", household_id, doc_type,
                              s.ChecklistTickIn().dump(body), idempotency_key=idempotency_key)

    @route("POST", f"{V1}/households/{{household_id}}/move-out", tags=("archive",), body=s.MoveOutIn,
           response=s.MoveOutOut, errors=(403, 404, 409, 503), idempotent=True,
           summary=f"Move a household out (迁出) with its checklist; the unit is vacant afterwards -- only with the "
                   f"fees settled: billing is asked (409 arrears_outstanding naming the unpaid amount; 503 "
                   f"billing_unavailable: no answer) {DESK}")
    def move_out(self, request, user, household_id, body, idempotency_key):
        reply = self._as(user)("archive", "move_out", household_id, s.MoveOutIn().dump(body),
                               idempotency_key=idempotency_key)
        self._household_left(reply.get("household") if isinstance(reply, dict) else None)
        return reply

    @route("POST", f"{V1}/units/{{unit_id}}/transfer", tags=("archive",), body=s.TransferIn,
           response=s.TransferOut, status=201, errors=(403, 404, 409, 503), idempotent=True,
           summary=f"Transfer the unit's ownership (过户): the current household moves out, the new owners "
                   f"move in, the documents filed -- only with the fees settled: billing is asked (409 "
                   f"arrears_outstanding naming the unpaid amount; 503 billing_unavailable: no answer) {DESK}")
    def transfer_ownership(self, request, user, unit_id, body, idempotency_key):
        result = self._as(user)("archive", "transfer_ownership", unit_id, s.TransferIn().dump(body),
                                idempotency_key=idempotency_key)
        # the old owners' accounts lose the unit now, by the path household.changed takes later
        self._household_left(result.get("old_household") if isinstance(result, dict) else None)
        return Created(result, result.pop("created", True))

    @route("GET", f"{V1}/units/{{unit_id}}/ownerships", tags=("archive",), response=s.OwnershipOut, many=True,
           errors=(403, 404), summary=f"The unit's ownership history, newest first {CS}")
    def ownership_history(self, request, user, unit_id):
        return self._as(user)("archive", "ownership_history", unit_id)
