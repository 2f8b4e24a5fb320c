"""archive's people, leases, the move-in checklist, move-out and transfer (过户) -- wiring only, inherited by
:class:`~services.archive.service.ArchiveService`."""
from __future__ import annotations

from kernel import fees
from kernel.entrypoints import rpc

from .. import schemas
from ..domain import people, registry
from ..exceptions import BillingUnavailable, NoFeeAccount


class PeopleRpcs:
    # -- people, leases, checklist, move-out, transfer (issue 11: wt/people) ------------------
    @rpc
    def list_people(self, household_id):
        """The household's people and leases (phones per kernel.privacy, ID numbers masked)."""
        return schemas.PeopleOut().dump(people.list_people(self.work(), household_id))

    @rpc
    def add_person(self, household_id, data, idempotency_key=None):
        work, command = self.work(), schemas.NewPersonIn().load(data)
        def run():
            person, created = people.add_person(work, household_id, command)
            household = registry.get_household(work, household_id)
            return dict(schemas.PersonViewOut().dump(people.person_view(work.caller, household, person)),
                        created=created)
        return work.idempotent(idempotency_key, "add_person", {"household_id": household_id, **command}, run)

    @rpc
    def update_person(self, person_id, data, idempotency_key=None):
        work, command = self.work(), schemas.PersonChangeIn().load(data)
        def run():
            person, changes = people.update_person(work, person_id, command)
            return dict(schemas.PersonViewOut().dump(people.person_view(work.caller, person.household, person)),
                        changed=[c.field for c in changes])
        return work.idempotent(idempotency_key, "update_person", {"person_id": person_id, **command}, run)

    @rpc
    def remove_person(self, person_id, data, idempotency_key=None):
        work, command = self.work(), schemas.PersonRemoveIn().load(data)
        def run():
            household = people.remove_person(work, person_id, command)
            return schemas.PeopleOut().dump(people.list_people(work, household.id))
        return work.idempotent(idempotency_key, "remove_person", {"person_id": person_id, **command}, run)

    @rpc
    def person_history(self, household_id):
        """Every change of the household's people, newest first (customer service)."""
        return schemas.PersonChangeOut(many=True).dump(people.person_history(self.work(), household_id))

    @rpc
    def register_lease(self, household_id, data, idempotency_key=None):
        work, command = self.work(), schemas.LeaseIn().load(data)
        def run():
            lease, created = people.register_lease(work, household_id, command)
            return dict(schemas.LeaseOut().dump(lease), created=created)
        return work.idempotent(idempotency_key, "register_lease", {"household_id": household_id, **command}, run)

    @rpc
    def end_lease(self, lease_id, data, idempotency_key=None):
        work, command = self.work(), schemas.LeaseEndIn().load(data)
        def run():
            return schemas.LeaseOut().dump(people.end_lease(work, lease_id, command))
        return work.idempotent(idempotency_key, "end_lease", {"lease_id": lease_id, **command}, run)

    @rpc
    def household_checklist(self, household_id):
        """The household's checklist entries (move-in, transfer): present / missing, who, when."""
        return schemas.ChecklistItemOut(many=True).dump(people.checklist(self.work(), household_id))

    @rpc
    def tick_checklist_item(self, household_id, doc_type, data, idempotency_key=None):
        work = self.work()
        name = schemas.ChecklistItemName().load({"doc_type": doc_type})["doc_type"]
        command = schemas.ChecklistTickIn().load(data)
        def run():
            return schemas.ChecklistItemOut().dump(people.tick_item(work, household_id, name, command))
        return work.idempotent(idempotency_key, "tick_checklist_item",
                               {"household_id": household_id, "doc_type": name, **command}, run)

    @rpc
    def move_out(self, household_id, data, idempotency_key=None):
        """迁出: refused while billing reports anything unpaid on the unit (domain/people.py)."""
        work, command = self.work(), schemas.MoveOutIn().load(data)
        def run():
            household, record = people.move_out(work, household_id, command, ask_fees=self._ask_fees(work))
            return {"household": schemas.HouseholdOut().dump(registry.household_view(work.caller, household)),
                    "move_out": schemas.MoveOutOut().dump(people.move_out_view(record))}
        return work.idempotent(idempotency_key, "move_out", {"household_id": household_id, **command}, run)

    def _ask_fees(self, work):
        """billing's ``has_arrears`` for the unit, asked as the caller now (the question a goods release
        asks); no answer is ``billing_unavailable``, no fee account ``no_fee_account`` (``kernel.fees``:
        fail closed)."""
        return fees.ask_arrears(self.billing, work.caller, unavailable=BillingUnavailable, no_account=NoFeeAccount)

    @rpc
    def transfer_ownership(self, unit_id, data, idempotency_key=None):
        """过户: refused while billing reports anything unpaid on the unit (domain/people.py)."""
        work, command = self.work(), schemas.TransferIn().load(data)
        def run():
            ownership, household, created = people.transfer(work, unit_id, command, ask_fees=self._ask_fees(work))
            old = people.transferred_out(work, ownership)
            return schemas.TransferOut().dump({
                "ownership": people.ownership_view(work, ownership),
                "household": registry.household_view(work.caller, household),
                "old_household_id": old.id if old is not None else None,
                "old_household": registry.household_view(work.caller, old) if old is not None else None,
                "created": created})
        return work.idempotent(idempotency_key, "transfer_ownership", {"unit_id": unit_id, **command}, run)

    @rpc
    def ownership_history(self, unit_id):
        """The unit's owners of record, newest first (customer service)."""
        return schemas.OwnershipOut(many=True).dump(people.ownership_history(self.work(), unit_id))
