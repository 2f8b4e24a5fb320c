"""Printed notices (issue 10): the print queue of a project, a notice's PDF and a building's batch
with the CJK font embedded, the printed mark, and who may do it. Rules without a broker."""
from __future__ import annotations

import base64
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from kernel.errors import Forbidden, NotFound
from kernel.tenancy import Caller
from kernel.testing import resident, staff
from services.notify import schemas
from services.notify.domain import copies, printing
from services.notify.exceptions import (BuildingNotFound, CjkFontMissing, DeliveryNotFound, NothingToPrint,
                                        ProjectNotFound)
from services.notify.models import Delivery, OutboxMessage
from services.notify.printing import fonts, pdf
from services.notify.tests import pdftext
from services.notify.tests.test_domain import G, clock, estate, session, work  # noqa: F401
from services.notify.tests.test_dunning_notices import FINAL, NOTICE, tell

DESK = staff(G, ["p1"], roles=("front_desk",))


def _unit(w, uid, building, number, floor):
    copies.upsert_unit(w, schemas.UnitChangedIn().load({
        "unit_id": uid, "group_id": G, "project_id": "p1", "building_id": building,
        "building_name": "2栋" if building == "b2" else "1栋", "number": number,
        "label": f"{'2栋' if building == 'b2' else '1栋'}-{number}", "floor": floor, "building_area": "80.00",
        "usage": "residential", "version": 1}))


@pytest.fixture
def queued(session, clock, estate):
    """Notices of four units: three in 1栋 told out of unit order, one in 2栋; one without a door notice."""
    w = work(session, clock)
    _unit(w, "u3", "b1", "0201", 2)
    _unit(w, "u4", "b2", "0101", 1)
    session.commit()
    for n, (uid, label, stage) in enumerate([("u3", "1栋-0201", "first"), ("u1", "1栋-0101", "first"),
                                             ("u4", "2栋-0101", "first"), ("u2", "1栋-0102", "second")]):
        tell(session, clock, dict(NOTICE, notice_id=f"n{n}", unit_id=uid, unit_label=label, stage=stage),
             event_id=f"ev-{n}")
    tell(session, clock, dict(NOTICE, notice_id="quiet", unit_id="u1", door_notice=False), event_id="ev-q")
    session.commit()
    return {d.notification.unit_id: d.id for d in session.scalars(select(Delivery).where(Delivery.channel == "print"))}


def as_(session, clock, caller):
    return work(session, clock, caller)


def test_a_notice_pdf_carries_the_chinese_text_in_the_embedded_cjk_font(session, clock, queued):
    w = as_(session, clock, DESK)
    out = printing.notice_pdf(w, queued["u1"], compress=False)
    data = base64.b64decode(out["content_base64"])
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert pdftext.pages(data) == 1 and out["pages"] == 1
    assert pdftext.fonts(data) == ["WenQuanYiMicroHei"]
    lines = pdftext.text(data)
    assert lines[:4] == ["绿湖花园", "催费通知书", "房号：1栋-0101", "日期：2026-11-24"]
    assert "绿湖花园物业服务中心" in lines and lines[-1] == "2026年11月24日"
    body = "".join(lines[4:-2])
    assert "您户尚欠费用 268.38 元" in body and "请于 2027-01-23 前到服务中心或线上缴纳" in body
    assert out["filename"] == f"notice-{queued['u1']}.pdf" and out["filename"].isascii()
    assert out["utf8_filename"] == "绿湖花园-催费通知书-1栋-0101.pdf"
    # compressed (what the gateway serves) is a smaller, still valid PDF
    small = base64.b64decode(printing.notice_pdf(w, queued["u1"])["content_base64"])
    assert small.startswith(b"%PDF-") and len(small) < len(data)


def test_the_title_follows_the_ladder_s_stage(session, clock, queued):
    w = as_(session, clock, DESK)
    tell(session, clock, dict(FINAL, notice_id="fin", unit_id="u3", unit_label="1栋-0201"), event_id="ev-final")
    final = session.scalars(select(Delivery).join(Delivery.notification).where(
        Delivery.channel == "print", Delivery.notification.has(ref_id="fin"))).one()
    titles = {u: pdftext.text(base64.b64decode(printing.notice_pdf(w, d, compress=False)["content_base64"]))[1]
              for u, d in queued.items()}
    assert titles == {"u1": "催费通知书", "u2": "二次催费通知书", "u3": "催费通知书", "u4": "催费通知书"}
    assert pdftext.text(base64.b64decode(printing.notice_pdf(w, final.id, compress=False)
                                         ["content_base64"]))[1] == "最后催费通知书"


def test_a_building_batch_is_one_page_per_queued_notice_in_unit_order(session, clock, queued):
    w = as_(session, clock, DESK)
    out = printing.building_pdf(w, {"project_id": "p1", "building_id": "b1", "purpose": None}, compress=False)
    data = base64.b64decode(out["content_base64"])
    assert pdftext.pages(data) == out["pages"] == 3
    assert [line for line in pdftext.text(data) if line.startswith("房号：")] == [
        "房号：1栋-0101", "房号：1栋-0102", "房号：1栋-0201"]
    assert out["utf8_filename"] == "绿湖花园-1栋-通知-2026-11-24.pdf"
    # by purpose: only the second notices
    second = printing.building_pdf(w, {"project_id": "p1", "building_id": "b1", "purpose": "dunning_second"},
                                   compress=False)
    assert second["pages"] == 1
    with pytest.raises(BuildingNotFound):
        printing.building_pdf(w, {"project_id": "p1", "building_id": "nope", "purpose": None})


def test_the_queue_lists_by_building_and_purpose_and_marking_printed_is_idempotent(session, clock, queued):
    w = as_(session, clock, DESK)
    q = schemas.PrintQuery().load({"project_id": "p1"})
    listed = printing.list_prints(w, q)
    assert [(r["unit_label"], r["title"], r["status"]) for r in listed] == [
        ("1栋-0101", "催费通知书", "queued"), ("1栋-0102", "二次催费通知书", "queued"),
        ("1栋-0201", "催费通知书", "queued"), ("2栋-0101", "催费通知书", "queued")]
    assert [r["unit_label"] for r in printing.list_prints(w, dict(q, building_id="b2"))] == ["2栋-0101"]
    assert [r["unit_label"] for r in printing.list_prints(w, dict(q, purpose="dunning_second"))] == ["1栋-0102"]

    clock.advance(timedelta(hours=2))
    marked = printing.mark_printed(w, {"project_id": "p1", "delivery_ids": [queued["u1"], queued["u2"]]})
    session.commit()
    assert [(r["status"], r["printed_by"]) for r in marked] == [("printed", DESK.user_id)] * 2
    first_at = marked[0]["printed_at"]
    changed = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == "notification.changed")).all()
    # again (another desk, later): nothing changes, the first mark stays, no new event
    clock.advance(timedelta(hours=1))
    other = staff(G, ["p1"], roles=("steward",))
    again = printing.mark_printed(as_(session, clock, other), {"project_id": "p1", "delivery_ids": [queued["u1"]]})
    session.commit()
    assert again[0]["printed_at"] == first_at and again[0]["printed_by"] == DESK.user_id
    assert len(session.scalars(select(OutboxMessage).where(
        OutboxMessage.event_type == "notification.changed")).all()) == len(changed)
    # printed ones leave the queue and the building's batch
    assert [r["unit_label"] for r in printing.list_prints(w, q)] == ["1栋-0201", "2栋-0101"]
    assert [r["unit_label"] for r in printing.list_prints(w, dict(q, status="printed"))] == ["1栋-0101", "1栋-0102"]
    assert printing.building_pdf(w, {"project_id": "p1", "building_id": "b1", "purpose": None})["pages"] == 1
    printing.mark_printed(w, {"project_id": "p1", "delivery_ids": [queued["u3"]]})
    with pytest.raises(NothingToPrint):
        printing.building_pdf(w, {"project_id": "p1", "building_id": "b1", "purpose": None})
    # an unknown id marks nothing
    with pytest.raises(DeliveryNotFound):
        printing.mark_printed(w, {"project_id": "p1", "delivery_ids": [queued["u4"], "nope"]})
    assert session.get(Delivery, queued["u4"]).status == "queued"


def test_only_the_project_s_service_desk_prints(session, clock, queued):
    q = schemas.PrintQuery().load({"project_id": "p1"})
    for role in ("front_desk", "steward", "cs_manager", "centre_manager"):
        assert len(printing.list_prints(as_(session, clock, staff(G, ["p1"], roles=(role,))), q)) == 4
    with pytest.raises(Forbidden) as refused:
        printing.list_prints(as_(session, clock, staff(G, ["p1"], roles=("engineering",))), q)
    assert refused.value.code == "role_required"
    with pytest.raises(Forbidden) as refused:       # another project's desk
        printing.notice_pdf(as_(session, clock, staff(G, ["p2"], roles=("front_desk",))), queued["u1"])
    assert refused.value.code == "project_out_of_scope"
    # a resident, even of the unit, and another group hear "no such"
    household = resident(G, "p1", "u1")
    with pytest.raises(DeliveryNotFound):
        printing.notice_pdf(as_(session, clock, household), queued["u1"])
    with pytest.raises(ProjectNotFound):
        printing.list_prints(as_(session, clock, household), q)
    with pytest.raises(NotFound):
        printing.notice_pdf(as_(session, clock, staff("group-2", ["p1"], roles=("front_desk",))), queued["u1"])
    # the in-app delivery is not a print delivery
    inapp = session.scalars(select(Delivery).where(Delivery.channel == "inapp")).first()
    with pytest.raises(DeliveryNotFound):
        printing.notice_pdf(as_(session, clock, DESK), inapp.id)
    assert printing.list_prints(as_(session, clock, Caller.system(G, "notify")), q)


def test_no_cjk_font_is_a_typed_error_naming_the_fix(tmp_path, monkeypatch):
    with pytest.raises(CjkFontMissing) as missing:
        fonts.locate({}, candidates=((str(tmp_path / "none.ttc"), 0),))
    assert "apt-get install -y fonts-wqy-microhei" in missing.value.message and "WUYE_CJK_FONT" in missing.value.message
    assert missing.value.kind == "rule_violation" or missing.value.code == "cjk_font_missing"
    with pytest.raises(CjkFontMissing, match="is not a font file"):
        fonts.locate({"WUYE_CJK_FONT": str(tmp_path / "gone.ttf")})
    # a file that is no font: refused when embedding, with the same typed error
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font")
    monkeypatch.setenv("WUYE_CJK_FONT", str(bogus))
    notice = pdf.PrintedNotice("绿湖花园", "催费通知书", "1栋-0101", "正文", date(2027, 1, 16))
    with pytest.raises(CjkFontMissing, match="cannot be embedded"):
        pdf.render([notice])
    # the installed font is found where Debian's package puts it
    monkeypatch.delenv("WUYE_CJK_FONT")
    assert fonts.locate().path in {p for p, _ in fonts.WELL_KNOWN}
    # WUYE_CJK_FONT wins over the well-known paths
    monkeypatch.setenv("WUYE_CJK_FONT", fonts.WELL_KNOWN[0][0])
    assert fonts.locate() == fonts.FontFile(fonts.WELL_KNOWN[0][0], 0)


def test_a_long_body_wraps_onto_lines_within_the_page(tmp_path):
    body = "尚欠费用" * 120
    data = pdf.render([pdf.PrintedNotice("绿湖花园", "催费通知书", None, body, date(2027, 1, 16))], compress=False)
    lines = pdftext.text(data)
    wrapped = [line for line in lines if line and set(line) <= set("尚欠费用")]
    assert len(wrapped) > 5 and "".join(wrapped) == body
    assert max(len(line) for line in wrapped) < 60


def test_lines_never_start_with_closing_punctuation_nor_break_a_date():
    body = ("截至 2027-01-16，您户尚欠费用 268.38 元（1 笔账单，最早于 2027-01-15 到期）。请于 2027-01-23 前到服务中心"
            "或线上缴纳。如已缴纳，请忽略本通知。") * 3
    data = pdf.render([pdf.PrintedNotice("绿湖花园", "催费通知书", "1栋-0101", body, date(2027, 1, 16))],
                      compress=False)
    lines = pdftext.text(data)[4:-2]
    assert "".join(lines).replace(" ", "") == body.replace(" ", "")
    assert len(lines) > 3
    assert not [line for line in lines if line[0] in pdf.NO_LINE_START]
    for day in ("2027-01-16", "2027-01-15", "2027-01-23"):
        assert sum(line.count(day) for line in lines) == 3
