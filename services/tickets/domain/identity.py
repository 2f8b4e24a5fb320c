"""The front desk's identity check (身份核验) against archive's household file: the one guard the goods
release (物品放行身份核查, ``goods_release.py``) and the keys (钥匙领取身份核查, ``keys.py``) share.

The desk has a person in front of it -- a name and an identity document's number -- and asks archive's
``match_identity`` whether they are one of the unit's current household's people, through
:data:`AskIdentity` (the RPC wiring asks as the caller, with the record's own purpose, so every match is
a row of the file's access log; ``rpcs/goods_release.py`` ``_ask_identity``). archive answers matched /
not matched only (and, when matched, the person's role in the household), never the stored number.

**Fail closed.** Nobody to ask (``ask_identity`` None) is ``503 archive_unavailable``, as is archive not
answering (the wiring's ``kernel.rpc.RpcPool.ask``); an answer that is not a plain yes (``matched`` not
``True``, or not an answer at all) is a no. Nothing is written before the answer.

**One answer for every no** (no oracle): a name not in the file, a role that is not the one asked for
(a family member where an owner is needed), a wrong number and a person with no number on file are
refused alike by :func:`require` -- the caller's one sentence (``IdentityNotMatched``, Chinese and
English), no details saying which. archive counts the failed number matches (a name with no number on
file among them) and locks a unit's matches for the day past its limit (``422 identity_match_locked``,
raised through the wiring as it is). Only a caller that has already checked the person's role in the
file and has a use for it (the goods release's attested in-person check) asks for archive's ``422
id_number_not_on_file`` as it is (``no_number_answer``); bounded by the same lock.
"""
from __future__ import annotations

from typing import Callable

from ..exceptions import ArchiveUnavailable, IdentityNotMatched, IdNumberNotOnFile

#: ``ask_identity(unit_id, name, id_number, id_type) -> {"matched", "role"?}``: archive's
#: ``match_identity`` -- does the name with the ID number match one of the unit's household's people in
#: the file (only matched / not matched, and the role when matched; never the stored number); a resident
#: asks about themselves by name (``id_number`` None). Asked as the caller with the record's purpose
#: (logged in the file's access log); raises ``ArchiveUnavailable`` (503), ``IdentityMatchLocked`` (422:
#: too many failed matches for the unit today), ``IdNumberNotOnFile`` (422)
AskIdentity = Callable[[str, str, "str | None", "str | None"], dict]


def ask(ask_identity: AskIdentity | None, unit_id: str, name: str, id_number: str | None,
        id_type: str | None) -> dict:
    """archive's answer, fail closed: ``{"matched": True, "role": ...}`` or ``{"matched": False}`` --
    nobody to ask is ``archive_unavailable``; anything but a plain yes is a no."""
    if ask_identity is None:
        raise ArchiveUnavailable("the household file (archive) cannot be asked: no identity match, nothing done")
    answer = ask_identity(unit_id, name, id_number, id_type)
    if not isinstance(answer, dict) or answer.get("matched") is not True:
        return {"matched": False}
    # a resident asking about himself is told his own person of the file (person_id, the file's name)
    return {"matched": True, "role": answer.get("role"),
            **{k: answer[k] for k in ("person_id", "name") if answer.get(k)}}


def resident_self(ask_identity: AskIdentity | None, unit_id: str, account_name: str | None) -> dict | None:
    """The resident's own person in the unit's household file -- ``{"person_id", "name", "role"}`` or None
    (not in the file, or archive's answer names no person: fail closed). archive finds him by his signed
    account (his household, his name compared normalised: NFKC, blanks dropped -- "张 伟" is 张伟); he asks
    about nobody else. Nobody to ask, or no answer: ``archive_unavailable``."""
    if not account_name:
        return None
    answer = ask(ask_identity, unit_id, account_name, None, None)
    if not answer["matched"] or not answer.get("person_id") or not answer.get("role"):
        return None
    return {"person_id": answer["person_id"], "name": answer.get("name") or account_name, "role": answer["role"]}


def require(ask_identity: AskIdentity | None, unit_id: str, name: str, id_number: str | None,
            id_type: str | None, roles: tuple[str, ...], not_matched: tuple[str, str],
            no_number_answer: bool = False) -> str:
    """The person's role in the household file, which must be one of ``roles``; every other answer is
    the one refusal ``IdentityNotMatched(not_matched)`` (``(en, zh)``: the same sentence for a name not
    in the file, a role not theirs, a wrong number, no number on file -- no details). ``no_number_answer``:
    archive's ``IdNumberNotOnFile`` is raised as it is (the caller checked the person's role already)."""
    en, zh = not_matched
    try:
        answer = ask(ask_identity, unit_id, name, id_number, id_type)
    except IdNumberNotOnFile:
        if no_number_answer:
            raise
        raise IdentityNotMatched(en, zh=zh) from None
    if not answer["matched"] or answer["role"] not in roles:
        raise IdentityNotMatched(en, zh=zh)
    return answer["role"]
