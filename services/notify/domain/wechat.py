"""A resident's WeChat account: the way in for the WeChat channel.

Archive knows a person's phone and e-mail, not their WeChat: the resident binds the openid
the group's official account knows them by (the portal's WeChat login hands it to the app) to
their own person record in a unit of theirs -- a person of the unit's active household, as
notify's copy of archive's household has it. The openid is set on every copy of that person in
the group (someone paying for two flats is one person), survives the household's newer versions
(``copies.upsert_household``), and ``openid`` None unbinds it. Reads show it masked
(``kernel.privacy.mask_openid``). From then on the purposes that go out by WeChat reach them
(``bills.payer_channels``).
"""
from __future__ import annotations

import re

from sqlalchemy import select, update

from kernel.privacy import mask_openid
from kernel.work import Work

from ..exceptions import PersonNotFound, ResidentsOnly, UnitNotFound
from ..models import Contact, HouseholdCopy, UnitCopy

#: what an openid looks like (28 characters today; letters, digits, ``-`` and ``_``)
OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}\Z")


def bind_wechat(work: Work, unit_id: str, person_id: str, openid: str | None) -> dict:
    caller = work.caller
    if not caller.is_resident:
        raise ResidentsOnly("a resident binds their own WeChat account")
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
    work.session.execute(update(Contact).where(Contact.group_id == unit.group_id, Contact.person_id == person_id)
                         .values(wechat_openid=openid).execution_options(synchronize_session="fetch"))
    return {"unit_id": unit.id, "person_id": person_id, "bound": openid is not None,
            "openid": mask_openid(openid)}
