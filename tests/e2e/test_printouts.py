"""The front desk prints a goods release pass (物品放行条, issue 12) through the gateway with every
service running: before the pass is issued there is nothing to print (422 pass_not_issued); once issued
the desk prints it (POST .../prints, an Idempotency-Key: the print log) and gets an application/pdf whose
two parts (存根联 / 通知联) carry the number, the unit, the items, the mover's masked ID and the names
masked -- never the full name nor the ID number --, and which print it is; the desk's view of the release
shows who printed it first, when, and how many times; the same key again is the same print, a new print
is marked 【补打】; the GET is a preview that records nothing; the gate prints it too; another project's
desk gets 404, engineering 404 (not a reader of passes)."""
from __future__ import annotations

import uuid

from deploy import seed
from kernel import pdftext

from .test_goods_release import MOVER_ID, send
from .test_repair_flow import demo, token  # noqa: F401  (fixture)

OWNER_ID = "440301198801011238"          # 张伟's, as the demo registers him in 1栋-0101


def test_the_desk_prints_an_issued_goods_pass_in_two_parts(platform, demo, web_session):  # noqa: F811
    unit = seed.unit_id("LH", "1栋", "0101")                     # owes nothing
    desk, finance, other, eng = (token(web_session, u) for u in ("desk.lh", "finance.lh", "desk.xh", "eng.lh"))
    body = {"unit_id": unit, "requester_name": "张伟", "requester_role": "owner",
            "mover_name": "搬家公司·刘师傅", "mover_id_type": "resident_id", "mover_id_number": MOVER_ID,
            "items": [{"name": "双门冰箱", "quantity": 1}, {"name": "纸箱", "quantity": 8}],
            "move_at": "2026-12-01T10:00:00+08:00",
            "identity": {"method": "in_person", "person_name": "张伟", "id_type": "resident_id",
                         "id_number": OWNER_ID, "matched_archive": True}}
    rid = send(web_session, desk, "/goods-releases", body, 201)["release_id"]
    early = web_session.get(f"/api/v1/goods-releases/{rid}/pass.pdf", headers=desk)
    assert early.status_code == 422 and early.json()["error"] == "pass_not_issued"
    early = print_pass(web_session, desk, rid)
    assert early.status_code == 422 and early.json()["error"] == "pass_not_issued"

    send(web_session, finance, f"/goods-releases/{rid}/approve", {}, 200)
    number = send(web_session, desk, f"/goods-releases/{rid}/issue", {}, 200)["number"]

    # printing is a write: without its key it is refused before anything is printed
    keyless = web_session.post(f"/api/v1/goods-releases/{rid}/prints", headers=desk)
    assert keyless.status_code == 400 and keyless.json()["error"] == "idempotency_key_required"
    # it takes no fields: one sent is refused (not ignored), nothing printed
    unknown = web_session.post(f"/api/v1/goods-releases/{rid}/prints", json={"x": 1},
                               headers=dict(desk, **{"Idempotency-Key": str(uuid.uuid4())}))
    assert (unknown.status_code, unknown.json()["error"]) == (400, "invalid_input"), unknown.text
    assert "x" in unknown.json()["details"]
    key = str(uuid.uuid4())
    printed = print_pass(web_session, desk, rid, key)
    assert printed.status_code == 200, printed.text
    assert printed.headers["Content-Type"] == "application/pdf"
    assert f'filename="goods-release-{number}.pdf"' in printed.headers["Content-Disposition"]
    data = printed.content
    assert data.startswith(b"%PDF-") and pdftext.pages(data) == 1 and pdftext.fonts(data)
    text = read(data)
    assert text.count(number) == 2 and "存根联" in text and "通知联" in text
    assert "1栋-0101" in text and "双门冰箱" in text and "纸箱" in text and "2026-12-01 10:00" in text
    assert "1101**********4566" in text and "张*（业主）" in text and "当面核验证件" in text
    assert "绿湖前台·周" in text                                    # who issued it
    assert text.count("第1次 绿湖前台·周") == 2 and "补打" not in text and "预览" not in text
    for secret in (MOVER_ID, OWNER_ID, "刘师傅", "张伟"):
        assert secret not in text
    # the desk's view of the release: who printed it first, when, how many times (打印记录)
    seen = web_session.get(f"/api/v1/goods-releases/{rid}", headers=desk).json()
    assert seen["print_count"] == 1 and seen["printed"]["name"] == "绿湖前台·周" and seen["printed_at"]
    assert seen["history"][-1]["action"] == "print" and seen["history"][-1]["note"] == "第1次打印"
    # the answer lost and the print retried with its key: the same print, not a reprint
    again = print_pass(web_session, desk, rid, key)
    assert again.status_code == 200 and "第1次" in read(again.content) and "补打" not in read(again.content)
    # the GET is a preview: marked, nothing recorded
    preview = web_session.get(f"/api/v1/goods-releases/{rid}/pass.pdf", headers=desk)
    assert preview.status_code == 200 and read(preview.content).count("【预览·不作放行凭证】") == 2
    assert web_session.get(f"/api/v1/goods-releases/{rid}", headers=desk).json()["print_count"] == 1

    # who reads the pass prints it -- a second print is a reprint (补打); another project's desk and
    # engineering: as if there were none
    reprint = print_pass(web_session, finance, rid)
    assert reprint.status_code == 200 and read(reprint.content).count("【补打】") == 2
    assert "第2次（补打） 绿湖财务·钱" in read(reprint.content)
    seen = web_session.get(f"/api/v1/goods-releases/{rid}", headers=desk).json()
    assert seen["print_count"] == 2 and seen["printed"]["name"] == "绿湖前台·周"        # the first print's
    for stranger in (other, eng):
        refused = web_session.get(f"/api/v1/goods-releases/{rid}/pass.pdf", headers=stranger)
        assert refused.status_code == 404 and refused.json()["error"] == "goods_release_not_found", refused.text
        refused = print_pass(web_session, stranger, rid)
        assert refused.status_code == 404 and refused.json()["error"] == "goods_release_not_found", refused.text
    assert web_session.get("/api/v1/goods-releases/nope/pass.pdf", headers=desk).status_code == 404
    assert web_session.get(f"/api/v1/goods-releases/{rid}", headers=desk).json()["print_count"] == 2


def print_pass(web_session, headers, rid, key=None):
    """POST .../prints: the pass printed for real (the print log), under its Idempotency-Key."""
    return web_session.post(f"/api/v1/goods-releases/{rid}/prints",
                            headers=dict(headers, **{"Idempotency-Key": key or str(uuid.uuid4())}))


def read(data: bytes) -> str:
    return "\n".join(pdftext.text(pdftext.inflate(data)))


def test_the_steward_prints_the_days_inspection_sheet(platform, demo, web_session):  # noqa: F811
    from .test_idempotency_and_settings import project_id

    cs, steward, eng, other = (token(web_session, u) for u in ("cs.lh", "steward.lh", "eng.lh", "desk.xh"))
    pid = project_id(web_session, cs)
    area = send(web_session, cs, f"/projects/{pid}/inspection-areas",
                {"name": "2栋大堂", "area_type": "lobby_corridor"}, 201)
    url = f"/api/v1/projects/{pid}/inspection-areas/{area['id']}/sheet.pdf"
    sheet = web_session.get(url, headers=steward, params={"date": "2026-12-01"})
    assert sheet.status_code == 200, sheet.text
    assert sheet.headers["Content-Type"] == "application/pdf"
    text = "\n".join(pdftext.text(pdftext.inflate(sheet.content)))
    assert "巡检记录表" in text and "2栋大堂" in text and "2026-12-01" in text and "08:00-12:00" in text
    assert web_session.get(url, headers=steward, params={"date": "tomorrow"}).status_code == 400
    assert web_session.get(url, headers=eng).json()["error"] == "role_required"
    assert web_session.get(url, headers=other).status_code == 404


def test_the_desk_prints_the_key_registers_and_the_vacant_check_sheet(platform, demo, web_session):  # noqa: F811
    """钥匙借用记录表, 业主寄存钥匙记录表, 空置房检验统计表 through the gateway: staff of the project print them,
    the borrower masked (name, phone, ID); another project's desk 404, engineering 403 on the key registers."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from kernel.testing import wait_for

    from .test_idempotency_and_settings import project_id

    desk, cs, eng, other = (token(web_session, u) for u in ("desk.lh", "cs.lh", "eng.lh", "desk.xh"))
    pid = project_id(web_session, cs)
    unit = seed.unit_id("LH", "1栋", "0102")

    def handed_over():
        response = web_session.post("/api/v1/keys", headers=dict(desk, **{"Idempotency-Key": f"print-key-{pid}"}),
                                    json={"unit_id": unit, "label": "打印测试钥匙", "name": "开发商监理部"})
        return response.json() if response.status_code == 201 else None
    key = wait_for(handed_over, timeout=30)
    moves = f"/keys/{key['id']}/moves"
    send(web_session, desk, moves, {"action": "store"}, 200)
    send(web_session, desk, moves, {"action": "request_loan", "name": "李师傅", "id_type": "resident_id",
                                    "id_number": "110101199003071233", "phone": "13800001111",
                                    "purpose": "检修水管"}, 200)
    lent = send(web_session, cs, moves, {"action": "approve_loan"}, 200)
    approved_at = datetime.fromisoformat(lent["loan"]["approved_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    month = approved_at.strftime("%Y-%m")

    loans = web_session.get(f"/api/v1/projects/{pid}/key-loans/{month}.pdf", headers=desk)
    assert loans.status_code == 200, loans.text
    assert loans.headers["Content-Type"] == "application/pdf"
    text = read(loans.content).replace("\n", " ")
    assert "钥匙借用记录表" in text and "打印测试钥匙" in text and "1栋-0102" in text and "借出中" in text
    assert "李**" in text and "李师傅" not in text and "138****1111" in text and "13800001111" not in text
    assert "110101199003071233" not in text and approved_at.strftime("%Y-%m-%d %H:%M") in text
    deposits = web_session.get(f"/api/v1/projects/{pid}/key-deposits.pdf", headers=cs)
    assert deposits.status_code == 200 and "业主寄存钥匙记录表" in read(deposits.content)
    checks = web_session.get(f"/api/v1/projects/{pid}/vacant-checks/{month}.pdf", headers=desk)
    assert checks.status_code == 200 and "空置房检验统计表" in read(checks.content)

    assert web_session.get(f"/api/v1/projects/{pid}/key-loans/{month}.pdf", headers=eng).status_code == 403
    assert web_session.get(f"/api/v1/projects/{pid}/key-deposits.pdf", headers=eng).status_code == 403
    for path in (f"key-loans/{month}.pdf", "key-deposits.pdf", f"vacant-checks/{month}.pdf"):
        assert web_session.get(f"/api/v1/projects/{pid}/{path}", headers=other).status_code == 404, path
    assert web_session.get(f"/api/v1/projects/{pid}/key-loans/2026-13.pdf", headers=desk).status_code == 400
