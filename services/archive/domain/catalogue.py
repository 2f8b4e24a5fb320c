"""What a household file (一户一档) is expected to hold (000 §一, §二, §八): THE one list of document
types (档案目录) -- the group's default catalogue, by section. The move-in's ``documents_received``, a
transfer's ``documents_received``, the desk's checklist ticks and the uploads all name these types
(or the project's own catalogue's, ``documents.project_entries``): a tick and an upload of the same
type are the same row of the file's catalogue. Plain data (no imports of the other areas)."""

#: the sections of a catalogue (``other``: a document filed under a title of its own)
SECTIONS = ("move_in", "lease", "transfer", "renovation", "other")
#: when an entry is expected in a household's file: always; by_proxy: the household moved in
#: through an agent (委托); has_tenant: a tenant lives there; section: once the file has anything of
#: the entry's section (a document uploaded or a checklist item of it -- a transfer, a renovation)
CONDITIONS = ("always", "by_proxy", "has_tenant", "section")

#: the group's default catalogue (000 §一 the move-in file; §二 renovation; §八 the archive), in
#: order: (section, doc_type, 中文 title, English title, condition)
ENTRIES = [
    # 入伙资料 (the move-in file)
    ("move_in", "move_in_notice", "入伙通知书", "move-in notice", "always"),
    ("move_in", "owner_id_copy", "业主身份证复印件", "owner ID (copies)", "always"),
    ("move_in", "purchase_contract", "购房合同", "purchase contract", "always"),
    ("move_in", "power_of_attorney", "委托书", "power of attorney (move-in by proxy)", "by_proxy"),
    ("move_in", "owner_info_card", "业主资料卡", "owner information card", "always"),
    ("move_in", "covenant", "业主公约", "covenant", "always"),
    ("move_in", "preliminary_service_agreement", "前期物业服务协议", "preliminary service agreement", "always"),
    ("move_in", "fire_safety_letter", "消防安全责任书", "fire-safety letter", "always"),
    ("move_in", "handover_inspection_form", "房屋交接验收表", "house handover inspection form", "always"),
    # 租赁 (a lease: 租户情况记录表)
    ("lease", "lease_contract", "租赁合同", "lease contract", "has_tenant"),
    ("lease", "tenant_id_copy", "租户身份证复印件", "tenant ID (copies)", "has_tenant"),
    ("lease", "tenant_record_form", "租户情况记录表", "tenant record form", "has_tenant"),
    # 过户 (a change of ownership)
    ("transfer", "transfer_application", "过户申请表（买卖/过户合同）", "transfer application (contract)", "section"),
    ("transfer", "new_owner_id_copy", "新业主身份证复印件", "new owner ID (copies)", "section"),
    ("transfer", "property_certificate", "不动产权证书", "property certificate", "section"),
    ("transfer", "fee_settlement_proof", "费用结清证明", "proof that all fees are settled", "section"),
    # 装修 (renovation, 000 §二)
    ("renovation", "renovation_application", "装修申请表", "renovation application", "section"),
    ("renovation", "renovation_drawings", "装修图纸", "renovation drawings", "section"),
    ("renovation", "contractor_licence", "施工单位资质", "contractor's licence", "section"),
    ("renovation", "worker_id_copies", "施工人员身份证复印件", "workers' ID (copies)", "section"),
    ("renovation", "renovation_agreement", "装修管理协议", "renovation agreement", "section"),
    ("renovation", "renovation_permit", "装修许可证", "renovation permit", "section"),
    ("renovation", "completion_acceptance", "竣工验收表", "completion acceptance form", "section"),
]

#: (section, doc_type, title, condition) -- the title is the Chinese one (the English in :data:`TITLES_EN`)
DEFAULT_CATALOGUE = [(s, d, zh, c) for s, d, zh, _, c in ENTRIES]
DEFAULT_TITLES = {d: zh for _, d, zh, _, _ in ENTRIES}
TITLES_EN = {d: en for _, d, _, en, _ in ENTRIES}


def section_types(section: str) -> dict[str, str]:
    """The default catalogue's types of one section, in order, with their titles."""
    return {d: zh for s, d, zh, _, _ in ENTRIES if s == section}


#: move-in documents (入伙资料), in the order the seed lists them
MOVE_IN_DOCUMENTS = section_types("move_in")
#: the documents of a transfer (过户资料), filed in the new household's catalogue
TRANSFER_DOCUMENTS = section_types("transfer")
#: a lease's documents (租赁)
LEASE_DOCUMENTS = section_types("lease")

#: the names the transfer used before revision 0036 (one list since): old -> the catalogue's
RENAMED_TRANSFER_TYPES = {"transfer_contract": "transfer_application",
                          "new_property_certificate": "property_certificate",
                          "old_owner_fee_settlement": "fee_settlement_proof"}


def expected_move_in_documents(by_proxy: bool) -> list[str]:
    """The power of attorney is only expected when someone moved in on the owner's behalf."""
    return [d for d in MOVE_IN_DOCUMENTS if by_proxy or d != "power_of_attorney"]
