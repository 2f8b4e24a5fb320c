"""A resident's WeChat account: the way in for the WeChat channel.

Archive knows a person's phone and e-mail, not their WeChat: the resident binds the openid
the group's official account knows them by (the portal's WeChat login hands it to the app) to
their own person record in a unit of theirs -- a person of the unit's active household, as
notify's copy of archive's household has it. The openid is set on every copy of that person in
the group (someone paying for two flats is one person), survives the household's newer versions
(``copies.upsert_household``), and ``openid`` None unbinds it. Reads show it masked
(``kernel.privacy.mask_openid``). From then on the purposes that go out by WeChat reach them
(``bills.payer_channels``).

A WeChat template message needs the official account's template per kind of message: the project's
setting ``wechat.template_ids`` names one per purpose, and :data:`TEMPLATE_FIELDS` says which of the
purpose's values fill its keyword fields (:func:`template_message`, stored on the delivery as
``channel_data`` when the message is made); a purpose not named goes with ``WECHAT_TEMPLATE_ID``.
"""
from __future__ import annotations

import re

from sqlalchemy import select, update

from kernel.privacy import mask_openid
from kernel.work import Work

from ..exceptions import OpenidAlreadyBound, PersonNotFound, ResidentsOnly, UnitNotFound
from ..models import Contact, HouseholdCopy, UnitCopy

#: what an openid looks like (28 characters today; letters, digits, ``-`` and ``_``)
OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}\Z")


def bind_wechat(work: Work, unit_id: str, person_id: str, openid: str | None) -> dict:
    caller = work.caller
    if not caller.is_resident:
        raise ResidentsOnly("a resident binds their own WeChat account", zh="只有住户本人才能绑定自己的微信账号")
    unit, missing = work.session.get(UnitCopy, unit_id), UnitNotFound(f"no unit {unit_id}")
    if unit is None:
        raise missing
    caller.require_unit(unit.group_id, unit.project_id, unit.id, not_found=missing)
    contact = work.session.scalars(
        select(Contact).join(HouseholdCopy, Contact.household_id == HouseholdCopy.id)
        .where(HouseholdCopy.unit_id == unit.id, HouseholdCopy.status == "active",
               Contact.person_id == person_id)).first()
    if contact is None:
        raise PersonNotFound(f"no person {person_id} in the household of unit {unit_id}")
    if openid is not None and work.session.scalars(select(Contact.person_id).where(
            Contact.group_id == unit.group_id, Contact.wechat_openid == openid,
            Contact.person_id != person_id).limit(1)).first() is not None:
        # one person per openid in the group: else one phone would read another household's messages.
        # That the openid is the resident's own is proven by the official account's OAuth (网页授权) in the
        # portal that calls this, not here.
        raise OpenidAlreadyBound("this WeChat account is bound to another person already; unbind it there first",
                                 zh="该微信账号已绑定其他人，请先在那里解除绑定")
    work.session.execute(update(Contact).where(Contact.group_id == unit.group_id, Contact.person_id == person_id)
                         .values(wechat_openid=openid).execution_options(synchronize_session="fetch"))
    return {"unit_id": unit.id, "person_id": person_id, "bound": openid is not None,
            "openid": mask_openid(openid)}


# -- template messages per purpose (模板消息) ------------------------------------------------------------

#: the keyword fields of each purpose's template on the official account (keyword1, keyword2, ... in
#: order: the values of ours that fill them): the shape of the template the group picks from WeChat's
#: template library for that kind of message (缴费成功通知: 房号, 收据号, 金额; 账单通知: 房号, 账期, 金额,
#: 缴费截止; 报修受理通知: 工单号, 类别, 受理时间; ...). ``first`` is the message's subject, ``remark`` its
#: text (the WeChat template of ``templates.py``, editable by staff).
TEMPLATE_FIELDS: dict[str, tuple[str, ...]] = {
    "receipt": ("unit_label", "receipt_number", "amount"),
    "bill_notice": ("unit_label", "period", "amount", "due_date"),
    "ticket.opened.resident": ("ticket_number", "category_label", "received_at"),
    "ticket.status_changed": ("ticket_number", "status_label", "changed_at"),
    "revisit.request": ("ticket_number", "steward_name", "revisit_by"),
    "move_in.welcome": ("unit_label", "steward_name", "steward_phone"),
    "outage.notice": ("outage_label", "area_label", "starts_at", "ends_at"),
    "outage.urgent": ("outage_label", "area_label", "starts_at", "ends_at"),
    "greeting.holiday": ("holiday_name", "project_name"),
    "community.event": ("event_title", "event_at", "event_place"),
}
#: WeChat shows a keyword's value on one line: longer ones are cut
KEYWORD_MAX = 200


def template_message(template_ids: dict, purpose: str, subject: str, text: str, values: dict) -> dict | None:
    """A WeChat delivery's template and fields when the project names a template for ``purpose``
    (setting ``wechat.template_ids``): ``{"template_id", "data": {"first", "keyword1".., "remark"}}``;
    None: the generic template (``WECHAT_TEMPLATE_ID``: first = subject, keyword1 = text)."""
    template_id = (template_ids or {}).get(purpose)
    if not template_id:
        return None
    fields = TEMPLATE_FIELDS.get(purpose)
    if not fields:                     # a purpose without a field list: its text is the one keyword
        return {"template_id": template_id, "data": {"first": subject or "", "keyword1": text, "remark": ""}}
    data = {"first": subject or ""}
    for n, name in enumerate(fields, start=1):
        value = values.get(name)
        data[f"keyword{n}"] = ("" if value is None else str(value))[:KEYWORD_MAX]
    data["remark"] = text
    return {"template_id": template_id, "data": data}
