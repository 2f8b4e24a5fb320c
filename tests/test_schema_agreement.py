"""The gateway's request schemas agree with the services' schemas they forward to: the
same fields, the same required-ness, the same validators (one source: kernel.validators),
so the portal never accepts what a service then refuses (a 502 or a late 400), nor refuses
what the service would take."""
from __future__ import annotations

import pytest
from marshmallow import fields

from gateway import schemas as gw
from kernel import validators
from services.archive import schemas as archive
from services.billing import schemas as billing
from services.tickets import schemas as tickets

#: gateway schema -> (service schema, fields the gateway adds itself from the path or caller)
FORWARDED = {
    gw.RepairRequestIn: (tickets.RepairRequestIn, {"request_id"}),
    gw.ProjectIn: (archive.ProjectIn, {"id", "group_id"}),
    gw.BuildingIn: (archive.BuildingIn, {"id", "project_id"}),
    gw.UnitIn: (archive.UnitIn, {"id", "building_id"}),
    gw.MoveInIn: (archive.MoveIn, {"id", "unit_id"}),
    gw.PersonIn: (archive.PersonIn, {"id"}),
    gw.OpeningBalanceIn: (billing.OpeningBalanceIn, {"unit_id"}),
    gw.SlaSettingIn: (tickets.SlaSettingIn, {"project_id"}),
    gw.TicketQuery: (tickets.TicketQuery, set()),
    gw.MaterialIn: (tickets.MaterialIn, set()),
    gw.RevisitQuery: (tickets.RevisitQuery, set()),
    gw.RevisitFiguresQuery: (tickets.RevisitFiguresQuery, set()),
    gw.ComplaintIn: (tickets.ComplaintIn, set()),
    gw.QualityComplaintIn: (tickets.QualityComplaintIn, set()),
    gw.ComplaintQuery: (tickets.ComplaintQuery, set()),
}


def shape(field: fields.Field):
    """What matters of a field for agreement: kind, required-ness, validators."""
    kind = type(field)
    if isinstance(field, fields.Nested):
        nested = field.nested if isinstance(field.nested, type) else type(field.nested)
        return ("nested", field.required, nested.__name__)     # the pair is compared on its own
    if isinstance(field, fields.List):
        return ("list", field.required, shape(field.inner), _validators(field))
    return (kind.__name__, field.required, _validators(field))


def _validators(field):
    out = []
    for v in field.validators:
        if isinstance(v, (validators.Phone, validators.IdNumber)):
            out.append(type(v).__name__)
        else:
            out.append(repr(v).split(" at 0x")[0])
    return sorted(out)


@pytest.mark.parametrize("gateway_schema", list(FORWARDED), ids=lambda s: s.__name__)
def test_the_gateway_forwards_what_the_service_loads(gateway_schema):
    service_schema, added = FORWARDED[gateway_schema]
    ours, theirs = gateway_schema().fields, service_schema().fields
    assert set(ours) == set(theirs) - added, "the same fields"
    differences = {name: (shape(ours[name]), shape(theirs[name])) for name in ours
                   if shape(ours[name]) != shape(theirs[name])}
    assert not differences


def test_phones_and_id_numbers_have_one_validator_everywhere():
    for schema, name in ((gw.RepairRequestIn, "reporter_phone"), (tickets.RepairRequestIn, "reporter_phone"),
                         (gw.PersonIn, "phone"), (archive.PersonIn, "phone")):
        assert validators.PHONE in schema().fields[name].validators, (schema, name)
    for schema in (gw.PersonIn, archive.PersonIn):
        assert validators.ID_NUMBER in schema().fields["id_number"].validators


def test_the_gateway_lists_archive_s_move_in_documents():
    from services.archive.domain.catalogue import MOVE_IN_DOCUMENTS
    assert gw.MOVE_IN_DOCUMENTS == sorted(MOVE_IN_DOCUMENTS)


@pytest.mark.parametrize("gateway_schema,payload", [
    (gw.MoveInIn, {"moved_in_on": "2026-11-20", "people": [{"name": "周杰", "role": "family"}]}),
    (gw.RepairRequestIn, {"project_id": "p1", "content": "大堂灯坏了"}),
    (gw.ProjectIn, {"code": "YH", "name": "雅苑", "kind": "residential", "timezone": "Mars/Olympus"}),
    (gw.PersonIn, {"name": "周杰", "role": "owner", "id_number": "110101199001011234"}),
    (gw.RepairRequestIn, {"unit_id": "u1", "content": "漏水", "reporter_phone": "13800138000\n"}),
])
def test_what_a_service_refuses_the_gateway_refuses(gateway_schema, payload):
    service_schema, added = FORWARDED[gateway_schema]
    assert service_schema().validate({**payload, **{k: "x" for k in added if k != "id"}})
    assert gateway_schema().validate(payload)


def test_the_gateway_lists_the_revisits_words():
    """Revisit reasons, states, satisfaction and complaint departments: the service's own lists."""
    from services.tickets.domain import complaint_sla, revisits
    assert gw.REVISIT_REASONS == revisits.REASONS and gw.REVISIT_STATES == revisits.STATES
    assert gw.SATISFACTION == revisits.SATISFACTION
    assert gw.COMPLAINT_DEPARTMENTS == gw.DEPARTMENTS == sorted(complaint_sla.DEPARTMENTS)
    assert gw.REPAIR_CATEGORIES == tickets.CATEGORIES
