"""billing's dunning RPCs: cases, classes, the dunning log and the stewards' tasks (``domain/dunning.py``, ``arrears_classes.py``)."""
from __future__ import annotations

from sqlalchemy import select

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import arrears_classes as classes, dunning
from ..domain.payments import account_state
from ..models import FeeAccount
from . import with_ids as _with


class DunningRpcs:
    """Mixin of :class:`services.billing.service.BillingService` (its ``work`` and other
    dependencies live there)."""

    # -- reads: staff of the project only ---------------------------------------------------------
    @rpc
    def list_dunning_cases(self, project_id, query=None):
        """A project's dunning cases, most overdue first (status, stage, class, steward, paused)."""
        work = self.work()
        q = schemas.DunningCasesQuery().load(_with(query or {}, project_id=project_id))
        return schemas.DunningCasePageOut().dump(classes.list_cases(work, q))

    @rpc
    def get_dunning_case(self, case_id):
        """One case with its unit, notices, log, tasks, installment plans and legal proposals."""
        work = self.work()
        ref = schemas.DunningCaseRef().load({"case_id": case_id})
        return schemas.DunningCaseDetailOut().dump(classes.case_view(work, classes.get_case(work, ref["case_id"])))

    @rpc
    def dunning_tasks(self, project_id, query=None):
        """The worklist: tasks due on the day or earlier and still open (a steward: their own)."""
        work = self.work()
        q = schemas.DunningTasksQuery().load(_with(query or {}, project_id=project_id))
        return schemas.DunningWorklistOut().dump(classes.worklist(work, q))

    @rpc
    def run_dunning_sweep(self, project_id):
        """Today's sweep of the project now (the platform only; idempotent: a case is moved once a
        day). Returns what it did: cases opened, moved and closed, notices sent."""
        work = self.work()
        ref = schemas.ProjectRef().load({"project_id": project_id})
        result = dunning.sweep_now(work, ref["project_id"])
        return {"day": result.day.isoformat(), "opened": len(result.opened), "moved": len(result.moved),
                "closed": len(result.closed), "notices": result.notices}

    # -- writes -----------------------------------------------------------------------------------
    def _action_out(self, work, result):
        case, entry, done = result
        work.session.flush()
        account = work.session.get(FeeAccount, case.account_id)
        return schemas.DunningActionOut().dump({
            "case": classes.case_row(case, account), "entry": entry, "completed_tasks": done,
            "account": account_state(work.session, account)})

    @rpc
    def set_arrears_class(self, case_id, data, idempotency_key=None):
        """欠费分类 after the first call (steward, CS manager, centre manager)."""
        work = self.work()
        command = schemas.ArrearsClassIn().load(_with(data, case_id=case_id))
        return work.idempotent(idempotency_key, "set_arrears_class", command, lambda: self._action_out(
            work, classes.classify(work, command)))

    @rpc
    def log_dunning_action(self, case_id, data, idempotency_key=None):
        """One action into the dunning log (steward, CS manager, centre manager)."""
        work = self.work()
        command = schemas.DunningActionIn().load(_with(data, case_id=case_id))
        return work.idempotent(idempotency_key, "log_dunning_action", command, lambda: self._action_out(
            work, classes.log_action(work, command)))

    @rpc
    def assign_dunning_steward(self, project_id, data, idempotency_key=None):
        """Cases to a steward (CS manager, centre manager)."""
        work = self.work()
        command = schemas.StewardAssignmentIn().load(_with(data, project_id=project_id))

        def run():
            cases = classes.assign(work, command)
            accounts = {a.id: a for a in work.session.scalars(select(FeeAccount).where(
                FeeAccount.id.in_([c.account_id for c in cases])))}
            return schemas.StewardAssignmentOut().dump({
                "steward_id": command["steward_id"], "steward_name": cases[0].steward_name if cases else None,
                "cases": [classes.case_row(c, accounts.get(c.account_id)) for c in cases]})
        return work.idempotent(idempotency_key, "assign_dunning_steward", command, run)
