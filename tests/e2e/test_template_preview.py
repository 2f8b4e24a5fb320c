"""Templates through the gateway against the real services (issue 10): a CS manager previews a draft
with the purpose's sample data (nothing saved), a draft naming a variable the purpose does not provide
is refused with the name (422), the save takes the same text and the list shows it in effect."""
from __future__ import annotations

import uuid

from .test_repair_flow import demo, token  # noqa: F401  (fixture)


def test_preview_refusal_and_save_through_the_gateway(platform, demo, web_session):  # noqa: F811
    lh = demo["projects"]["LH"]["id"]
    cs = token(web_session, "cs.lh")
    base = f"/api/v1/projects/{lh}/templates"
    draft = {"purpose": "outage.notice", "channel": "sms", "locale": "zh-CN",
             "body": "【{{ project_name }}】{{ area_label }}{{ starts_at }}起{{ outage_label }}"}
    shown = web_session.post(f"{base}/preview", headers=cs, json=draft)
    assert shown.status_code == 200, shown.text
    assert shown.json()["body"] == "【绿湖花园】3栋、5栋2026-11-27 09:00起停水"   # the project's own name in the sample
    assert shown.json()["source"] == "preview" and shown.json()["kind"] == "legal"
    refused = web_session.post(f"{base}/preview", headers=cs, json=dict(draft, body="{{ owner_phone }}"))
    assert refused.status_code == 422 and refused.json()["error"] == "unknown_placeholder"
    assert "owner_phone" in refused.json()["message"]
    listed = {(t["purpose"], t["channel"], t["locale"]): t for t in web_session.get(base, headers=cs).json()}
    assert listed[("outage.notice", "sms", "zh-CN")]["source"] == "default"       # the preview saved nothing
    saved = web_session.post(base, headers=dict(cs, **{"Idempotency-Key": str(uuid.uuid4())}), json=draft)
    assert saved.status_code == 200, saved.text
    listed = {(t["purpose"], t["channel"], t["locale"]): t for t in web_session.get(base, headers=cs).json()}
    assert listed[("outage.notice", "sms", "zh-CN")]["source"] == "project"
    assert listed[("outage.notice", "sms", "zh-CN")]["body"] == draft["body"]
