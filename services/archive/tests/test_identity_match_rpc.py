"""archive's ``match_identity`` in a real nameko container on the real broker, asked as tickets asks it
(``RpcPool.ask``, fail closed): matched / not matched only, the check digit 422, another project's
staff 404, the lock and its alert event, and no answer at all once archive is stopped (unavailable)."""
import pytest
from nameko.exceptions import RemoteError

from kernel.errors import Unavailable
from kernel.rpc import RpcPool
from kernel.testing import TEST_SECRET, migrated_sqlite, service_config, staff
from kernel.validators import IdNumberInvalid
from services.archive.exceptions import IdentityMatchLocked
from services.archive.service import ArchiveService

from .test_service import G, seed

DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
CENTRE = staff(G, ["p1"], roles=["centre_manager"], user_id="centre-1")
FAR = staff(G, ["p2"], roles=["front_desk"], user_id="far-1")
OWNER_ID = "110101199001011237"                    # 张伟's, as seed() registers it
NOT_HIS = "110105198511204566"
PURPOSE = "物品放行身份核查 goods release identity check"
REFUSALS = {"identity_match_locked": IdentityMatchLocked, "id_number_invalid": IdNumberInvalid}


@pytest.fixture
def archive(container_factory, rabbit_config, tmp_path):
    container = container_factory(ArchiveService, service_config(
        rabbit_config["AMQP_URI"], migrated_sqlite(tmp_path, "archive")))
    container.start()
    return container


@pytest.fixture
def tickets_pool(rabbit_config):
    """As tickets' ARCHIVE_RPC pool: a short timeout."""
    pool = RpcPool({"AMQP_URI": rabbit_config["AMQP_URI"], "WUYE_SECRET": TEST_SECRET}, size=2, timeout=2)
    yield pool
    pool.close()


def ask(pool, caller, name="张伟", number=OWNER_ID, unit_id="u1"):
    return pool.ask(caller, "archive", "match_identity", unit_id=unit_id, name=name, id_number=number,
                    purpose=PURPOSE, refusals=REFUSALS)


def test_match_identity_over_rpc(archive, rpc, tickets_pool, capture_events):
    seed(rpc)
    capture = capture_events("archive", "identity_match.locked")
    assert ask(tickets_pool, DESK) == {"matched": True, "role": "owner"}
    assert ask(tickets_pool, DESK, number=NOT_HIS) == {"matched": False}
    with pytest.raises(IdNumberInvalid):
        ask(tickets_pool, DESK, number=OWNER_ID[:-1] + "8")
    with pytest.raises(RemoteError) as refused:                  # another project's desk: as a missing unit
        rpc.call(FAR, "archive", "match_identity", unit_id="u1", name="张伟", id_number=OWNER_ID, purpose=PURPOSE)
    assert refused.value.exc_type == "UnitNotFound"
    log = rpc.call(CENTRE, "archive", "project_access_log", "p1", {"what": "identity_match"})
    assert sorted(r["what"] for r in log["items"]) == ["identity_match:matched", "identity_match:not_matched"]
    assert {(r["reader_id"], r["purpose"]) for r in log["items"]} == {("desk-1", PURPOSE)}

    rpc.call(CENTRE, "archive", "set_setting", "p1", "archive.identity_match_failures_per_day", 2, reason="测试")
    assert ask(tickets_pool, DESK, number=NOT_HIS) == {"matched": False}          # the 2nd today: alert
    [alert] = capture.wait_for("identity_match.locked")
    assert alert["data"]["unit_id"] == "u1" and alert["data"]["failures"] == 2
    with pytest.raises(IdentityMatchLocked):
        ask(tickets_pool, DESK)
    # the centre manager lifts the unit's lock with a reason (logged); the desk may match again
    with pytest.raises(RemoteError):
        rpc.call(DESK, "archive", "unlock_identity_match", "u1", "我自己解锁")
    lifted = rpc.call(CENTRE, "archive", "unlock_identity_match", "u1", "业主本人到场", idempotency_key="k-unlock")
    assert lifted["failures_lifted"] == 2 and lifted["unit_id"] == "u1"
    assert ask(tickets_pool, DESK) == {"matched": True, "role": "owner"}

    archive.stop()
    with pytest.raises(Unavailable) as down:
        ask(tickets_pool, DESK)
    assert down.value.details["service"] == "archive"
