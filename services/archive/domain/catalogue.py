"""What a household file (一户一档) is expected to hold (000 §一, §八)."""

#: move-in documents (入伙资料), in the order the seed lists them
MOVE_IN_DOCUMENTS = {
    "move_in_notice": "入伙通知书 / move-in notice",
    "owner_id_copy": "业主身份证复印件 / owner ID (copies)",
    "purchase_contract": "购房合同 / purchase contract",
    "power_of_attorney": "委托书 / power of attorney (move-in by proxy)",
    "owner_info_card": "业主资料卡 / owner information card",
    "covenant": "业主公约 / covenant",
    "preliminary_service_agreement": "前期物业服务协议 / preliminary service agreement",
    "fire_safety_letter": "消防安全责任书 / fire-safety letter",
    "handover_inspection_form": "房屋交接验收表 / house handover inspection form",
}


def expected_move_in_documents(by_proxy: bool) -> list[str]:
    """The power of attorney is only expected when someone moved in on the owner's behalf."""
    return [d for d in MOVE_IN_DOCUMENTS if by_proxy or d != "power_of_attorney"]
