"""The gateway's request schemas agree with the services' schemas they forward to: the
same fields, the same required-ness, the same validators (one source: kernel.validators),
so the portal never accepts what a service then refuses (a 502 or a late 400), nor refuses
what the service would take."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError, fields

from gateway import schemas as gw
from kernel import validators
from services.archive import schemas as archive
from services.billing import schemas as billing
from services.notify import schemas as notify
from services.tickets import schemas as tickets

#: gateway schema -> (service schema, fields the gateway adds itself from the path or caller)
FORWARDED = {
    gw.RepairRequestIn: (tickets.RepairRequestIn, {"request_id"}),
    gw.ProjectIn: (archive.ProjectIn, {"id", "group_id"}),
    gw.BuildingIn: (archive.BuildingIn, {"id", "project_id"}),
    gw.UnitIn: (archive.UnitIn, {"id", "building_id"}),
    gw.MoveInIn: (archive.MoveIn, {"id", "unit_id"}),
    gw.PersonIn: (archive.PersonIn, {"id"}),
    # -- archive: people, leases, checklist, move-out, transfer (issue 11) --
    gw.LeaseTermsIn: (archive.LeaseTermsIn, set()),
    gw.NewPersonIn: (archive.NewPersonIn, {"id"}),
    gw.TenantIn: (archive.TenantIn, {"id"}),
    gw.LeaseIn: (archive.LeaseIn, {"id"}),
    gw.LeaseEndIn: (archive.LeaseEndIn, set()),
    gw.PersonChangeIn: (archive.PersonChangeIn, set()),
    gw.PersonRemoveIn: (archive.PersonRemoveIn, set()),
    gw.ChecklistTickIn: (archive.ChecklistTickIn, set()),
    gw.HandoverIn: (archive.HandoverIn, set()),
    gw.MoveOutIn: (archive.MoveOutIn, set()),
    gw.TransferHouseholdIn: (archive.TransferHouseholdIn, set()),
    gw.TransferIn: (archive.TransferIn, set()),
    gw.OpeningBalanceIn: (billing.OpeningBalanceIn, {"unit_id"}),
    gw.SlaSettingIn: (tickets.SlaSettingIn, {"project_id"}),
    gw.TicketQuery: (tickets.TicketQuery, set()),
    gw.MaterialIn: (tickets.MaterialIn, set()),
    gw.ReportMonthIn: (tickets.MonthlyReportIn, {"project_id"}),
    gw.QuoteLineIn: (tickets.QuoteLineIn, set()),
    gw.PriceListQuery: (tickets.PriceListQuery, {"project_id"}),
    gw.PriceItemIn: (tickets.PriceItemIn, set()),
    gw.RetireItemIn: (tickets.RetireItemIn, set()),
    gw.DutyEntryIn: (tickets.DutyEntryIn, set()),
    gw.DutyRosterIn: (tickets.DutyRosterIn, set()),
    gw.RevisitQuery: (tickets.RevisitQuery, set()),
    gw.RevisitFiguresQuery: (tickets.RevisitFiguresQuery, set()),
    gw.ComplaintIn: (tickets.ComplaintIn, set()),
    gw.QualityComplaintIn: (tickets.QualityComplaintIn, set()),
    gw.ComplaintQuery: (tickets.ComplaintQuery, set()),
    gw.FeedbackIn: (tickets.FeedbackIn, set()),
    gw.NamedStaffIn: (tickets.NamedStaffIn, set()),
    gw.FeedbackQuery: (tickets.FeedbackQuery, set()),
    gw.ExtensionIn: (tickets.ExtensionIn, {"kind"}),
    gw.InspectionSheetQuery: (tickets.InspectionSheetQuery, set()),     # the printed sheet (issue 12)
    # keys and vacant units (issue 12)
    gw.KeyReceiveIn: (tickets.KeyReceiveIn, set()),
    gw.KeyMoveIn: (tickets.KeyMoveIn, set()),
    gw.KeyDepositDecisionIn: (tickets.KeyDepositDecisionIn, set()),
    gw.KeyListQuery: (tickets.KeyListQuery, set()),
    gw.StockCheckIn: (tickets.StockCheckIn, set()),
    gw.StockCheckQuery: (tickets.StockCheckQuery, set()),
    gw.KeyPhoneReadQuery: (tickets.KeyPhoneReadQuery, set()),     # the record of phone reads
    gw.VacantRegisterIn: (tickets.VacantRegisterIn, set()),
    gw.VacantMonthQuery: (tickets.VacantMonthQuery, set()),
    gw.FindingIn: (tickets.FindingIn, set()),
    gw.VacantCheckIn: (tickets.VacantCheckIn, set()),
    gw.CrackDecisionIn: (tickets.CrackDecisionIn, set()),
    gw.VacantCareRecordIn: (tickets.VacantCareRecordIn, set()),
    gw.VacantCareCancelIn: (tickets.VacantCareCancelIn, set()),
    gw.VacantCareQuery: (tickets.VacantCareQuery, set()),
    gw.RenovationIn: (tickets.RenovationIn, set()),
    gw.RenovationDocumentIn: (tickets.RenovationDocumentIn, set()),
    # bank collection (bank)
    gw.DebitMandateIn: (billing.DebitMandateIn, {"unit_id"}),
    gw.MandateCancelIn: (billing.MandateCancelIn, {"unit_id", "mandate_id"}),
    gw.MandateAccountQuery: (billing.MandateAccountRead, {"unit_id", "mandate_id"}),
    gw.BankBatchIn: (billing.BankBatchIn, {"project_id"}),
    gw.BankBatchQuery: (billing.BankBatchQuery, {"project_id"}),
    gw.BankResultFileIn: (billing.BankResultFileIn, {"batch_id"}),
    # -- billing queries (statement, bills, receipts, trial balance) --
    gw.StatementQuery: (billing.StatementQuery, {"unit_id"}),
    gw.BillsQuery: (billing.BillsQuery, {"unit_id"}),
    gw.ReceiptsQuery: (billing.ReceiptsQuery, {"unit_id"}),
    gw.TrialBalanceQuery: (billing.TrialBalanceQuery, {"project_id"}),
    # -- payments helper: payments, receipts, deposits, refunds, corrections --
    gw.PaymentIn: (billing.PaymentIn, {"unit_id"}),
    gw.OnlinePaymentIn: (billing.OnlinePaymentIn, {"unit_id"}),
    gw.VoidReceiptIn: (billing.VoidReceiptIn, {"receipt_id"}),
    gw.DepositIn: (billing.DepositIn, {"unit_id"}),
    gw.RefundIn: (billing.RefundIn, {"unit_id"}),
    gw.RefundStepIn: (billing.RefundStepIn, {"refund_id"}),
    gw.RefundQuery: (billing.RefundQuery, {"project_id"}),
    gw.BillCreditIn: (billing.BillCreditIn, {"bill_id"}),
    gw.ReverseIn: (billing.ReverseIn, {"entry_id"}),
    # billing's fee schedules, meter readings, one-off charges, bill runs
    gw.FeeScheduleQuery: (billing.FeeScheduleQuery, {"project_id"}),
    gw.FeeItemIn: (billing.FeeItemIn, set()),
    gw.FeePriceIn: (billing.FeePriceIn, set()),
    gw.MeterReadingIn: (billing.MeterReadingIn, set()),
    gw.MeterImportIn: (billing.MeterImportIn, set()),
    gw.MeterReadingsQuery: (billing.MeterReadingsQuery, {"project_id"}),
    gw.MoveInQuoteQuery: (billing.MoveInQuoteQuery, {"unit_id"}),
    gw.OneOffChargeIn: (billing.OneOffChargeIn, set()),
    gw.BillRunIn: (billing.BillRunIn, set()),
    # -- dunning: arrears classes, the dunning log, stewards' tasks (classes, issue 9) --
    gw.DunningCasesQuery: (billing.DunningCasesQuery, {"project_id"}),
    gw.ArrearsClassIn: (billing.ArrearsClassIn, {"case_id"}),
    gw.DunningActionIn: (billing.DunningActionIn, {"case_id"}),
    gw.StewardAssignmentIn: (billing.StewardAssignmentIn, {"project_id", "steward_name"}),
    gw.DunningTasksQuery: (billing.DunningTasksQuery, {"project_id"}),
    # -- hardship helper: disputes, installment plans, legal proposals --
    gw.DisputeIn: (billing.DisputeIn, {"bill_id"}),
    gw.DisputeResolveIn: (billing.DisputeResolveIn, {"dispute_id"}),
    gw.DisputeQuery: (billing.DisputeQuery, {"project_id"}),
    gw.InstalmentIn: (billing.InstalmentIn, set()),
    gw.InstallmentPlanIn: (billing.InstallmentPlanIn, {"case_id"}),
    gw.PlanCancelIn: (billing.PlanCancelIn, {"plan_id"}),
    gw.PlanQuery: (billing.PlanQuery, {"project_id"}),
    gw.LegalProposalIn: (billing.LegalProposalIn, {"case_id"}),
    gw.LegalStepIn: (billing.LegalStepIn, {"proposal_id"}),
    gw.LegalDoneIn: (billing.LegalDoneIn, {"proposal_id"}),
    gw.LegalQuery: (billing.LegalQuery, {"project_id"}),
    # -- reports helper (issue 9): the arrears ledger, collection rate, dunning reports --
    gw.ArrearsLedgerQuery: (billing.ArrearsLedgerQuery, {"project_id"}),
    gw.CollectionRateQuery: (billing.CollectionRateQuery, {"project_id"}),
    gw.DunningReportDayQuery: (billing.DunningReportDayQuery, {"project_id"}),
    # -- notify's templates (issue 10) --
    gw.TemplateIn: (notify.TemplateIn, {"project_id"}),
    gw.TemplatePreviewIn: (notify.TemplatePreviewIn, set()),
    # -- printed notices (notify, issue 10) --
    gw.PrintQuery: (notify.PrintQuery, {"project_id"}),
    gw.PrintBatchQuery: (notify.PrintBatchQuery, {"project_id", "building_id"}),
    gw.MarkPrintedIn: (notify.MarkPrintedIn, {"project_id"}),
    # -- notify: a resident's WeChat binding (channels, issue 10) --
    gw.WechatBindingIn: (notify.WechatBindingIn, {"unit_id", "person_id"}),
    # -- notify's sending policy (issue 10): opt-outs, delivery status, unread counts --
    gw.PreferencesIn: (notify.PreferencesIn, set()),
    gw.ChannelPreferenceIn: (notify.ChannelPreferenceIn, set()),
    gw.DeliveryQuery: (notify.DeliveryQuery, {"project_id"}),
    gw.StaffUnreadQuery: (notify.StaffUnreadQuery, set()),
    # -- notify: broadcasts (群发, issue 10) --
    gw.BroadcastIn: (notify.BroadcastIn, {"project_id"}),
    gw.BroadcastQuery: (notify.BroadcastQuery, {"project_id"}),
    # -- archive: access to household files (grants, the access log, the contacts export; issue 11) --
    gw.GrantIn: (archive.GrantIn, {"project_id", "grantee_name", "grantee_known"}),
    gw.GrantRevokeIn: (archive.GrantRevokeIn, {"grant_id"}),
    gw.GrantQuery: (archive.GrantQuery, {"project_id"}),
    gw.AccessLogQuery: (archive.AccessLogQuery, {"project_id"}),
    gw.ContactsExportQuery: (archive.ContactsExportIn, {"project_id"}),
    # -- archive: stewards' areas, census, retention (issue 11, census) --
    gw.StewardAssignIn: (archive.StewardAssignIn, {"steward_name"}),
    gw.StewardRemoveIn: (archive.StewardRemoveIn, set()),
    gw.CensusQuery: (archive.CensusQuery, set()),
    gw.CensusConfirmIn: (archive.CensusConfirmIn, set()),
    gw.CensusPersonIn: (archive.CensusPersonIn, set()),
    gw.CensusCorrectIn: (archive.CensusCorrectIn, set()),
    gw.CensusCancelIn: (archive.CensusCancelIn, set()),
    gw.RetentionPurgeQuery: (archive.PurgeQuery, {"project_id"}),
    # -- tickets: goods releases (物品放行, issue 12) --
    gw.GoodsReleaseIn: (tickets.GoodsReleaseIn, set()),
    gw.GoodsItemIn: (tickets.GoodsItemIn, set()),
    gw.OwnerConsentIn: (tickets.OwnerConsentIn, set()),
    gw.IdentityCheckIn: (tickets.IdentityCheckIn, set()),
    gw.GoodsReleaseVerifyIn: (tickets.GoodsReleaseStepIn, {"action", "note", "reason"}),
    gw.GoodsReleaseNoteIn: (tickets.GoodsReleaseStepIn, {"action", "identity", "owner_consent", "reason"}),
    gw.GoodsReleaseQuery: (tickets.GoodsReleaseQuery, set()),
    # -- tickets: daily inspections (issue 12) --
    gw.InspectionChecklistIn: (tickets.ChecklistIn, set()),
    gw.ChecklistItemIn: (tickets.ChecklistItemIn, set()),
    gw.InspectionAreaIn: (tickets.AreaIn, {"steward_name"}),
    gw.InspectionAreaChangeIn: (tickets.AreaChangeIn, {"steward_name"}),
    gw.InspectionAreaQuery: (tickets.AreaQuery, set()),
    gw.ItemResultIn: (tickets.ItemResultIn, set()),
    gw.InspectionRoundQuery: (tickets.RoundQuery, set()),
    gw.PatrolsByStewardQuery: (tickets.ByStewardQuery, set()),
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


def test_the_gateway_lists_archive_s_people_enumerations():
    from services.archive.domain import catalogue, people
    assert gw.TRANSFER_DOCUMENTS == sorted(catalogue.TRANSFER_DOCUMENTS)
    assert (gw.ACQUISITIONS, gw.MOVE_OUT_REASONS, gw.DEPOSIT_HANDLING, gw.LEASE_PURPOSES) == (
        people.ACQUISITIONS, people.MOVE_OUT_REASONS, people.DEPOSIT_HANDLING, people.LEASE_PURPOSES)


@pytest.mark.parametrize("gateway_schema,payload", [
    (gw.MoveInIn, {"moved_in_on": "2026-11-20", "people": [{"name": "周杰", "role": "family"}]}),
    (gw.RepairRequestIn, {"project_id": "p1", "content": "大堂灯坏了"}),
    (gw.ProjectIn, {"code": "YH", "name": "雅苑", "kind": "residential", "timezone": "Mars/Olympus"}),
    (gw.PersonIn, {"name": "周杰", "role": "owner", "id_number": "110101199001011234"}),
    (gw.RepairRequestIn, {"unit_id": "u1", "content": "漏水", "reporter_phone": "13800138000\n"}),
    (gw.QuoteLineIn, {"code": "SD-01", "quantity": "-1"}),
    (gw.QuoteLineIn, {"code": "SD-01", "quantity": "1.555"}),
    (gw.PriceItemIn, {"code": "SD-01\n", "name": "换阀芯", "unit": "个", "price": "35.00"}),
    (gw.PriceItemIn, {"code": "SD-01", "name": "换阀芯", "unit": "个", "price": 35.5}),
    (gw.DutyEntryIn, {"category": "*", "technician_id": "eng", "technician_name": "林工", "weekdays": [1],
                      "starts": "08:00+08:00", "ends": "17:30"}),
    (gw.DebitMandateIn, {"bank_name": "工行", "holder_name": "张伟", "bank_account": "6222 0212 345"}),
    (gw.DebitMandateIn, {"bank_name": "工行", "holder_name": "张伟\n", "bank_account": "622202123456789"}),
    (gw.DebitMandateIn, {"bank_name": "  ", "holder_name": "张伟", "bank_account": "622202123456789"}),
    (gw.BankBatchIn, {"period": "2026-12", "round": 3}),
    (gw.BankResultFileIn, {"csv": "item_id,status\x00"}),
    (gw.PaymentIn, {"method": "cash", "amount": "0.00"}),
    (gw.PaymentIn, {"method": "cash", "amount": "10.005"}),
    (gw.PaymentIn, {"method": "cash", "amount": 10.5}),
    (gw.PaymentIn, {"method": "cheque", "amount": "10.00"}),
    (gw.OnlinePaymentIn, {"method": "wechat", "amount": "10.00", "auth_code": "12345"}),
    (gw.DepositIn, {"method": "cash", "amount": "-1.00"}),
    (gw.RefundIn, {"kind": "overpayment", "amount": "1.00", "method": "cash", "reason": "  "}),
    (gw.BillCreditIn, {"amount": "1.00", "reason": ""}),
    (gw.ArrearsClassIn, {"arrears_class": "F"}),
    (gw.ArrearsClassIn, {"arrears_class": "A", "promised_on": "2026-02-30"}),
    (gw.ArrearsClassIn, {"arrears_class": "A", "promised_on": "2026-02-01", "promised_amount": "0.00"}),
    (gw.DunningActionIn, {"kind": "call", "outcome": "无人接听\n13800138000"}),
    (gw.DunningActionIn, {"kind": "suspend_water", "outcome": "x"}),
    (gw.DunningActionIn, {"kind": "call", "outcome": " "}),
    (gw.StewardAssignmentIn, {"case_ids": [], "steward_id": "s1"}),
    (gw.StewardAssignmentIn, {"case_ids": ["c1"]}),
    (gw.DisputeIn, {"reason": " "}),
    (gw.DisputeResolveIn, {"outcome": "withdraw", "resolution": "核实无误"}),
    (gw.InstallmentPlanIn, {"reason": "分期", "instalments": []}),
    (gw.InstallmentPlanIn, {"reason": "分期", "instalments": [{"due_on": "2026-02-30", "amount": "1.00"}]}),
    (gw.InstallmentPlanIn, {"reason": "分期", "instalments": [{"due_on": "2026-02-25", "amount": "0.00"}]}),
    (gw.InstallmentPlanIn, {"reason": "分期", "instalments": [{"due_on": "2026-02-25", "amount": "1.00"}] * 25}),
    (gw.LegalProposalIn, {"kind": "cut_water", "reason": "拒缴"}),
    (gw.LegalDoneIn, {"document_ref": "律函\n001"}),
    (gw.ArrearsLedgerQuery, {"on": "2026-02-30"}),
    (gw.CollectionRateQuery, {"month": "2026-13"}),
    (gw.CollectionRateQuery, {}),
    (gw.DunningReportDayQuery, {"day": "24/11/2026"}),
    (gw.PrintQuery, {"status": "posted"}),
    (gw.PrintQuery, {"purpose": "ticket_ack"}),
    (gw.PrintBatchQuery, {"purpose": "outage"}),
    (gw.MarkPrintedIn, {"delivery_ids": []}),
    (gw.MarkPrintedIn, {"delivery_ids": ["x" * 65]}),
    (gw.BroadcastIn, {"purpose": "bill_notice", "target": "project", "values": {}, "channels": ["inapp"]}),
    (gw.BroadcastIn, {"purpose": "outage.notice", "target": "street", "values": {}, "channels": ["inapp"]}),
    (gw.BroadcastIn, {"purpose": "outage.notice", "target": "project", "values": {"reason": "a\nb"},
                      "channels": ["inapp"]}),
    (gw.BroadcastIn, {"purpose": "outage.notice", "target": "project", "values": {}, "channels": []}),
    (gw.BroadcastIn, {"purpose": "outage.notice", "target": "project", "values": {}, "channels": ["fax"]}),
    (gw.BroadcastIn, {"purpose": "outage.notice", "target": "units", "values": {}, "channels": ["sms"],
                      "unit_ids": []}),
    (gw.BroadcastIn, {"purpose": "outage.notice", "target": "project", "values": {}, "channels": ["sms"],
                      "send_at": "2026-11-24T09:00:00"}),
    (gw.BroadcastQuery, {"limit": 0}),
    # free text: no direction controls or zero-width characters (kernel.validators.FREE_TEXT)
    (gw.RepairRequestIn, {"unit_id": "u1", "content": "水管\u202e漏水"}),
    (gw.RepairRequestIn, {"unit_id": "u1", "content": "水管漏水", "location": "1栋\u200b3楼"}),
    (gw.ComplaintIn, {"unit_id": "u1", "content": "噪音\u2066扰民"}),
    (gw.QualityComplaintIn, {"unit_id": "u1", "content": "墙面\x1b开裂"}),
    (gw.TemplateIn, {"purpose": "receipt", "channel": "sms", "locale": "zh-CN", "body": "{{ amount }}\u202e"}),
    (gw.TemplateIn, {"purpose": "receipt", "channel": "sms", "locale": "zh-CN", "subject": "a\nb", "body": "x"}),
    (gw.TemplatePreviewIn, {"purpose": "receipt", "channel": "sms", "body": "\ufeff{{ amount }}"}),
])
def test_what_a_service_refuses_the_gateway_refuses(gateway_schema, payload):
    service_schema, added = FORWARDED[gateway_schema]
    assert service_schema().validate({**payload, **{k: "x" for k in added if k != "id"}})
    assert gateway_schema().validate(payload)


def _tree(schema_cls) -> dict:
    """A response schema's field names, nested schemas opened, with each field's kind."""
    out = {}
    for name, field in schema_cls().fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            nested = inner.nested if isinstance(inner.nested, type) else type(inner.nested)
            out[name] = (type(field).__name__, _tree(nested))
        else:
            kind = "DateTime" if isinstance(field, fields.DateTime) or field.metadata.get("format") == "date-time" \
                else type(field).__name__
            out[name] = (kind, field.allow_none)
    return out


def test_the_gateway_passes_on_the_whole_transfer_answer():
    """过户's answer names the old owners' household on both sides (the gateway ends their
    residents' access with it); ``created`` is the gateway's status code, not a field."""
    assert set(gw.TransferOut().fields) == set(archive.TransferOut().fields) - {"created"}
    assert {"old_household_id", "old_household"} <= set(gw.TransferOut().fields)
    for name in ("household", "old_household"):
        assert set(gw.TransferOut().fields[name].nested().fields) == \
            set(archive.TransferOut().fields[name].nested().fields) - {"group_id"}
    assert gw.TransferOut().fields["old_household_id"].allow_none


def test_the_gateway_shows_the_whole_monthly_report():
    """Every figure tickets' monthly report has, the gateway's schema passes on (and no other)."""
    assert _tree(gw.MonthlyReportOut) == _tree(tickets.MonthlyReportOut)


def test_the_gateway_knows_the_repair_workflow_s_states_and_snapshot():
    """The states the gateway filters and counts as open, and the ticket fields its read model
    keeps, are tickets' (domain/workflow.py, events.TicketChanged)."""
    from gateway.readmodel import projector, views
    from services.tickets.domain import workflow
    from services.tickets.events import TicketChanged

    assert tuple(gw.TICKET_STATES[:len(workflow.STATES)]) == tuple(workflow.STATES)
    assert gw.TICKET_STATES == tickets.TICKET_STATES
    assert gw.TICKET_KINDS == tickets.TICKET_KINDS and gw.TICKET_CATEGORIES == tickets.TICKET_CATEGORIES
    assert gw.TICKET_CHANNELS == tickets.TICKET_CHANNELS
    import services.tickets.schemas  # noqa: F401  (every kind's rules registered)
    assert sorted(views.OPEN_STATUSES) == sorted(workflow.all_open_states())
    assert set(projector.TICKET_FIELDS) == set(TicketChanged().fields) - {"ticket_id"} | {"id"}
    assert set(gw.TicketOut().fields) - {"group_id", "household_id"} <= set(tickets.TicketOut().fields)


def test_the_gateway_lists_the_revisits_words():
    """Revisit reasons, states, satisfaction and complaint departments: the service's own lists."""
    from services.tickets.domain import complaint_sla, revisits
    assert gw.REVISIT_REASONS == revisits.REASONS and gw.REVISIT_STATES == revisits.STATES
    assert gw.SATISFACTION == revisits.SATISFACTION
    assert gw.COMPLAINT_DEPARTMENTS == gw.DEPARTMENTS == sorted(complaint_sla.DEPARTMENTS)
    assert gw.REPAIR_CATEGORIES == tickets.CATEGORIES


# -- billing queries ---------------------------------------------------------------------------

def _names(schema_cls) -> dict:
    """A response schema's field names, nested schemas opened."""
    out = {}
    for name, field in schema_cls().fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            out[name] = _names(inner.nested if isinstance(inner.nested, type) else type(inner.nested))
        else:
            out[name] = None
    return out


@pytest.mark.parametrize("ours, theirs", [
    (gw.UnitBalanceOut, billing.BalanceOut), (gw.ArrearsOut, billing.ArrearsOut),
    (gw.StatementOut, billing.StatementOut), (gw.BillPageOut, billing.BillPageOut),
    (gw.ReceiptPageOut, billing.ReceiptPageOut), (gw.ProjectLedgerOut, billing.ProjectLedgerOut),
    (gw.TrialBalanceOut, billing.TrialBalanceOut)], ids=lambda s: s.__name__)
def test_the_gateway_passes_on_every_figure_of_billing_s_queries(ours, theirs):
    assert _names(ours) == _names(theirs)


@pytest.mark.parametrize("ours, theirs", [
    (gw.DebitMandateOut, billing.DebitMandateOut), (gw.BankBatchOut, billing.BankBatchOut),
    (gw.BankBatchDetailOut, billing.BankBatchDetailOut), (gw.BankResultImportOut, billing.BankResultImportOut)],
    ids=lambda s: s.__name__)
def test_the_gateway_shows_mandates_and_bank_batches_as_billing_dumps_them(ours, theirs):
    """Every field of a mandate, a batch with its items and imports, a result import (bank)."""
    assert _names(ours) == _names(theirs)


def test_the_gateway_shows_the_account_billing_states():
    """The account route and the overview show what billing's account reply and its
    ``account.balance_changed`` carry (the read model keeps those fields)."""
    from gateway.readmodel import projector
    from services.billing.domain import queries
    from services.billing.events import AccountSnapshot

    assert set(gw.AccountOut().fields) == set(billing.AccountOut().fields) - {"group_id"}
    assert set(gw.AccountOut().fields) <= set(projector.ACCOUNT_FIELDS)
    assert set(projector.ACCOUNT_FIELDS) <= set(AccountSnapshot().fields)
    assert gw.BILL_FILTERS == queries.BILL_FILTERS and gw.MAX_PERIOD_DAYS == queries.MAX_PERIOD_DAYS


def test_every_gateway_schema_is_defined_once():
    """Route modules of several areas append to gateway/schemas.py: a second class of the same
    name would silently replace the first."""
    import ast
    import collections
    from pathlib import Path

    tree = ast.parse(Path(gw.__file__).read_text(encoding="utf-8"))
    names = collections.Counter(node.name for node in tree.body if isinstance(node, ast.ClassDef))
    assert [name for name, count in names.items() if count > 1] == []


def test_the_gateway_knows_billing_s_payment_words():
    """Methods, deposit purposes, refund kinds and states: billing's own lists (payments helper)."""
    from services.billing.domain import refunds
    assert gw.DESK_METHODS == billing.DESK_METHODS and gw.ONLINE_METHODS == billing.ONLINE_METHODS
    assert gw.DEPOSIT_PURPOSES == billing.DEPOSIT_PURPOSES
    assert gw.REFUND_KINDS == billing.REFUND_KINDS and gw.REFUND_METHODS == billing.REFUND_METHODS
    assert gw.REFUND_STATES == billing.REFUND_STATES == refunds.STATES
    assert set(gw.PaymentOut().fields) == set(billing.PaymentOut().fields)
    assert set(gw.RefundOut().fields) == set(billing.RefundOut().fields)
    assert set(gw.ReceiptOut().fields) == set(billing.ReceiptOut().fields)
    assert set(gw.PaymentAccountOut().fields) - {"building_area"} <= set(billing.AccountStateOut().fields)


def test_the_gateway_shows_dunning_cases_tasks_and_actions_as_billing_dumps_them():
    """Every field of a case (with its notices, log, tasks, plans, legal steps), the worklist, an action's
    answer and an assignment's; the stages, classes and action kinds are billing's (classes, issue 9)."""
    from services.billing.domain import arrears_classes
    from services.billing.models import ARREARS_CLASSES, DUNNING_STAGES
    for ours, theirs in ((gw.DunningCasePageOut, billing.DunningCasePageOut),
                         (gw.DunningCaseDetailOut, billing.DunningCaseDetailOut),
                         (gw.DunningWorklistOut, billing.DunningWorklistOut),
                         (gw.DunningActionOut, billing.DunningActionOut),
                         (gw.StewardAssignmentOut, billing.StewardAssignmentOut)):
        theirs_names = _names(theirs)
        if "account" in theirs_names:          # the account as the account route shows it (no group)
            theirs_names["account"].pop("group_id")
        assert _names(ours) == theirs_names, ours.__name__
    assert gw.DUNNING_STAGES == DUNNING_STAGES and gw.ARREARS_CLASSES == ARREARS_CLASSES
    assert gw.DUNNING_ACTION_KINDS == arrears_classes.ACTION_KINDS


# -- reports helper (issue 9) ---------------------------------------------------------------------

@pytest.mark.parametrize("ours, theirs", [
    (gw.ArrearsLedgerOut, billing.ArrearsLedgerOut), (gw.CollectionRateOut, billing.CollectionRateOut),
    (gw.DailyDunningReportOut, billing.DailyDunningReportOut),
    (gw.WeeklyDunningSummaryOut, billing.WeeklyDunningSummaryOut), (gw.DepositsHeldOut, billing.DepositsHeldOut),
    (gw.DepositOut, billing.DepositOut)],
    ids=lambda s: s.__name__)
def test_the_gateway_passes_on_every_figure_of_the_dunning_reports(ours, theirs):
    assert _names(ours) == _names(theirs)


def test_the_gateway_s_trend_is_as_long_as_billing_s():
    from services.billing.domain import arrears_reports
    assert gw.REPORT_MAX_MONTHS == arrears_reports.MAX_MONTHS
    gw.CollectionRateQuery().load({"from": "2024-12", "to": "2026-11"})
    with pytest.raises(ValidationError):
        gw.CollectionRateQuery().load({"from": "2024-11", "to": "2026-11"})


def test_the_gateway_lists_notify_s_purposes_channels_and_locales():
    from services.notify.domain import templates
    assert gw.TEMPLATE_PURPOSES == sorted(templates.PURPOSES)
    assert gw.TEMPLATE_CHANNELS == templates.CHANNELS and gw.TEMPLATE_LOCALES == templates.LOCALES


def test_the_gateway_shows_print_deliveries_as_notify_dumps_them():
    """Printed notices (issue 10): the queue's fields, notify's print purposes and states."""
    assert _tree(gw.PrintDeliveryOut) == _tree(notify.PrintDeliveryOut)
    assert gw.PRINT_PURPOSES == notify.PRINT_PURPOSES and gw.PRINT_STATUSES == notify.PRINT_STATUSES


def test_the_gateway_shows_opt_outs_deliveries_and_unread_counts_as_notify_dumps_them():
    """The sending policy (issue 10): preferences, the delivery status page, the unread counts, what notify
    made of a provider's delivery receipts."""
    for ours, theirs in ((gw.PreferencesOut, notify.PreferencesOut), (gw.DeliveryPageOut, notify.DeliveryPageOut),
                         (gw.UnitUnreadOut, notify.UnitUnreadOut), (gw.StaffUnreadOut, notify.StaffUnreadOut),
                         (gw.ReceiptsOut, notify.ReceiptsOut)):
        assert _tree(ours) == _tree(theirs), ours.__name__
    assert gw.OPT_OUT_CHANNELS == notify.OPT_OUT_CHANNELS and gw.OPT_OUT_SCOPES == notify.OPT_OUT_SCOPES
    assert gw.DELIVERY_STATUSES == notify.DELIVERY_STATUSES


def test_the_gateway_shows_broadcasts_as_notify_dumps_them():
    """Broadcasts (issue 10): the progress's fields, notify's broadcast purposes, targets, states, channels."""
    from services.notify.domain import broadcasts, templates
    assert _tree(gw.BroadcastOut) == _tree(notify.BroadcastOut)
    assert gw.BROADCAST_PURPOSES == notify.BROADCAST_PURPOSES == sorted(broadcasts.PURPOSES)
    assert gw.BROADCAST_TARGETS == notify.BROADCAST_TARGETS == list(broadcasts.TARGETS)
    assert gw.BROADCAST_STATES == notify.BROADCAST_STATES == list(broadcasts.STATES)
    assert tuple(gw.BROADCAST_CHANNELS) == templates.CHANNELS


def test_the_gateway_lists_the_inspections_words():
    """Area types, a round's states, an item's outcomes: tickets' own lists (domain/inspections.py)."""
    from services.tickets.domain import inspections
    assert gw.INSPECTION_AREA_TYPES == list(inspections.AREA_TYPES)
    assert gw.INSPECTION_STATES == list(inspections.STATES)
    assert gw.INSPECTION_OUTCOMES == list(inspections.OUTCOMES)
    assert set(gw.INSPECTION_AREA_TYPES) <= set(gw.TICKET_CATEGORIES)
    assert _tree(gw.InspectionRoundOut) == _tree(tickets.RoundOut)
    assert _tree(gw.InspectionAreaOut) == _tree(tickets.AreaOut)
    assert _tree(gw.InspectionTemplateOut) == _tree(tickets.TemplateOut)
    assert _tree(gw.InspectionFiguresOut) == _tree(tickets.InspectionFiguresOut)    # 日常巡检统计表


def test_the_vacant_care_words_are_tickets():
    """The care of vacant units: the kinds, anomalies and list states the gateway validates are tickets'."""
    from services.tickets.domain import vacant_care
    assert gw.VACANT_CARE_KINDS == list(vacant_care.KINDS)
    assert gw.VACANT_CARE_ANOMALIES == list(vacant_care.ANOMALY_KINDS)
    assert gw.VACANT_CARE_STATES == list(vacant_care.LIST_STATES)


#: fields that dump a Python object (``value.isoformat()``): a service's answer reaches the gateway as JSON text
#: (billing's ``occurred_on`` is ``"2026-11-27"``), so a response schema of the gateway holding one answers 500
OBJECT_FIELDS = (fields.Date, fields.DateTime, fields.Time, fields.TimeDelta)


def _object_fields(schema_cls, seen=None) -> list[str]:
    seen = set() if seen is None else seen
    if schema_cls in seen:
        return []
    seen.add(schema_cls)
    found = []
    for name, field in schema_cls().fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            nested = inner.nested if isinstance(inner.nested, type) else type(inner.nested)
            found += [f"{name}.{sub}" for sub in _object_fields(nested, seen)]
        elif isinstance(inner, OBJECT_FIELDS):
            found.append(name)
    return found


def test_no_gateway_answer_dumps_a_date_object_it_gets_as_text():
    """The gateway dumps a service's answer as it came over the broker (text), so every response schema
    (``Out`` and every route's ``response``) shows dates as text (``Day``, ``DT``) -- a ``fields.Date`` there
    made every ``GET /deposits/{id}`` a 500 (its history's ``occurred_on``). The field-name comparisons
    above could not see it: they compare names, and the kinds differ on purpose (billing dumps a date,
    the gateway passes text on)."""
    import inspect

    from gateway.routing import ROUTES
    responses = {cls for _, cls in inspect.getmembers(gw, inspect.isclass) if issubclass(cls, gw.Out)}
    for spec in ROUTES:
        response = getattr(spec, "response", None)
        if isinstance(response, type) and issubclass(response, gw.Schema):
            responses.add(response)
        elif response is not None and not isinstance(response, type) and hasattr(response, "fields"):
            responses.add(type(response))
    assert gw.DepositOut in responses and gw.DepositStepOut in responses
    bad = {cls.__name__: found for cls in responses if (found := _object_fields(cls))}
    assert bad == {}



def _wire(tree: dict) -> dict:
    """A ``_tree`` as JSON carries it: tickets' Money and the gateway's Amount are one decimal string."""
    return {name: (kind, _wire(inner) if isinstance(inner, dict) else inner)
            for name, (kind, inner) in ((n, ("String" if k == "Money" else k, i)) for n, (k, i) in tree.items())}


def test_the_gateway_shows_a_key_its_loan_and_history_as_tickets_dumps_them():
    """GET /keys/{id}: the open loan and every history entry, with a loan request's deposit and the CS
    manager's decision on it (release / forfeit: who, when, the note)."""
    assert _wire(_tree(gw.KeyOut)) == _wire(_tree(tickets.KeyOut))
    assert "decision" in _tree(gw.KeyOut)["history"][1]["deposit"][1]
