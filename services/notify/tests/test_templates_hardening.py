"""Templates staff write cannot break a message (trial 10): a text that fails when it is made (a
comparison of a text with a number, a filter with arguments of the wrong kind) is refused at upload
and preview (the purpose's sample values and empty ones rendered), Jinja's own names (lipsum, range,
self...) are unknown placeholders, the text made is capped per channel while it is made, an e-mail
body with active content (script, on* handlers, javascript: links) is refused, and a stored override
that fails anyway when a message is made gives way to the built-in default (logged), never a failed
event handler."""
from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timezone

import pytest

from kernel.testing import staff
from services.notify import schemas
from services.notify.domain import bills, templates
from services.notify.exceptions import TemplateRefused
from services.notify.models import Template
from services.notify.tests.test_bills import RECEIPT, session, tell  # noqa: F401
from services.notify.tests.test_domain import G, clock, count, estate, work  # noqa: F401


def save(session, clock, **data):
    return templates.save_template(work(session, clock, staff(G, ["p1"], roles=["cs_manager"])),
                                   dict({"project_id": "p1", "locale": "zh-CN", "subject": ""}, **data))


def preview(session, clock, **data):
    return templates.preview_template(work(session, clock, staff(G, ["p1"], roles=["cs_manager"])), "p1",
                                      dict({"locale": "zh-CN"}, **data))


def refused(fn, *args, **kwargs) -> TemplateRefused:
    with pytest.raises(TemplateRefused) as exc:
        fn(*args, **kwargs)
    assert exc.value.kind == "RuleViolation"            # a 422 at the gateway
    return exc.value


@pytest.mark.parametrize("body, code", [
    ("{{ holiday_name < 1 }}", "template_arguments"),
    ("{% if holiday_name >= 10 %}x{% endif %}", "template_arguments"),
    ('{{ holiday_name|truncate("a") }}', "template_arguments"),
    ('{{ holiday_name|replace("a", "b", 5.5) }}', "template_arguments"),
    ('{{ holiday_name|replace("", "b") }}', "template_arguments"),
    ('{{ holiday_name|truncate(1) }}', "template_arguments"),
    ('{{ holiday_name|truncate(5, leeway=-1) }}', "template_arguments"),
    ('{{ holiday_name|upper(3) }}', "template_arguments"),
    ('{{ holiday_name|trim(chars=1) }}', "template_arguments"),
])
def test_a_text_that_fails_when_made_is_refused_at_upload_and_preview(session, clock, estate, body, code):
    for fn in (save, preview):
        exc = refused(fn, session, clock, purpose="greeting.holiday", channel="sms", body=body)
        assert exc.code == code and "None" not in exc.message, exc.message
    assert count(session, Template) == 0


def test_what_the_static_check_cannot_see_is_caught_by_rendering_with_samples(session, clock, estate):
    # a comparison of two placeholders is fine, a text compared with a text too
    save(session, clock, purpose="greeting.holiday", channel="sms",
         body="{% if holiday_name > 'a' and holiday_name != project_name %}{{ holiday_name|truncate(5) }}{% endif %}")
    # whatever fails only with real values raises TemplateRefused (template_render_error), never a TypeError
    allowed = templates.PURPOSES["greeting.holiday"].allowed("sms")
    exc = refused(templates.render, "{{ holiday_name > project_name }}", allowed,
                  {"holiday_name": None, "project_name": "x"})
    assert exc.code == "template_render_error" and "comparison" in exc.message


@pytest.mark.parametrize("name", ["lipsum", "range", "self", "cycler", "dict", "namespace", "joiner", "loop"])
def test_jinja_s_own_names_are_unknown_placeholders(session, clock, estate, name):
    exc = refused(save, session, clock, purpose="greeting.holiday", channel="sms",
                  body=f"【{{{{ project_name }}}}】元旦快乐 {{{{ {name} }}}}")
    assert exc.code == "unknown_placeholder" and exc.details["missing"] == [name]
    # and the environments have no globals at all: rendered straight, they are undefined (strict)
    if name not in ("self", "loop"):            # Jinja's template reference and loop are not globals
        with pytest.raises(Exception) as raw:
            templates._ENVS[False].from_string("{{ %s }}" % name).render()
        assert type(raw.value).__name__ == "UndefinedError"


def test_the_text_made_is_capped_per_channel_while_it_is_made(session, clock, estate):
    # chained replaces multiplying the text (16 MB from a few characters before): refused at once
    blow_up = ("{{ reason|replace('市', '" + "x" * 120 + "')|replace('x', '" + "y" * 120 + "')|replace('y', '"
               + "z" * 120 + "') }}")
    started = time.monotonic()
    exc = refused(preview, session, clock, purpose="outage.notice", channel="inapp", body=blow_up)
    assert exc.code == "template_too_long" and time.monotonic() - started < 1
    # an SMS of more than 500 characters, an in-app message of more than 4,000
    exc = refused(save, session, clock, purpose="outage.notice", channel="sms", body="{{ area_label }}停水" * 100)
    assert exc.code == "template_too_long" and exc.details["max_chars"] == templates.MAX_CHARS["sms"] == 500
    save(session, clock, purpose="outage.notice", channel="inapp", body="{{ area_label }}停水" * 100)
    assert templates.MAX_CHARS == {"sms": 500, "wechat": 1000, "inapp": 4000, "email": 65536, "print": 8192}
    # a stored one making too much with real values: the default instead
    made = templates.Resolved("greeting.holiday", "sms", "zh-CN", "", "{{ holiday_name }}", "project", "t1").render(
        {"project_name": "绿湖花园", "holiday_name": "冬" * 600})
    assert made[1].startswith("【绿湖花园】")


@pytest.mark.parametrize("body", [
    "<p>您好</p><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<p onclick="alert(1)">x</p>',
    '<a href="javascript:alert(1)">缴费</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<a href="{{ project_name }}">x</a>',
    "<iframe src='https://evil.example'></iframe>",
    "<object data='x'></object>", "<embed src='https://x'>",
    '<p style="width: expression(alert(1))">x</p>',
    "<style>p { background: url(javascript:alert(1)) }</style>",
    "<{{ project_name }}>", "<{% if amount %}script{% endif %}>x",
    "<p title={{ project_name }}>x</p>",
])
def test_active_content_in_an_email_template_is_refused(session, clock, estate, body):
    exc = refused(save, session, clock, purpose="receipt", channel="email", body=body)
    assert exc.code == "template_active_content"
    assert refused(preview, session, clock, purpose="receipt", channel="email", body=body).code == \
        "template_active_content"


def test_plain_html_email_templates_still_pass(session, clock, estate):
    save(session, clock, purpose="receipt", channel="email", subject="收据 {{ receipt_number }}",
         body='<h3 style="color:#333">{{ project_name }}</h3><p>已收到 <strong>{{ amount }}</strong> 元。'
              '<a href="https://pay.example.cn/r/{{ receipt_number }}" title="{{ unit_label }}">查看</a></p>'
              '<table border="1"><tr><td>{{ unit_label }}</td></tr></table>')
    for (purpose, channel, locale), text in templates.DEFAULTS.items():       # every default passes every check
        templates.check_text(templates.PURPOSES[purpose], channel, locale, text.subject, text.body)


def test_a_preview_of_a_subject_alone_checks_the_subject(session, clock, estate):
    exc = refused(preview, session, clock, purpose="greeting.holiday", channel="sms", subject="{{ nope }}")
    assert exc.code == "unknown_placeholder" and exc.details["missing"] == ["nope"]
    shown = preview(session, clock, purpose="greeting.holiday", channel="inapp", subject="{{ holiday_name }}!")
    assert shown["source"] == "preview" and shown["subject"] == "春节!" and "服务中心" in shown["body"]


def test_a_preview_names_the_project_itself(session, clock, estate):
    shown = preview(session, clock, purpose="greeting.holiday", channel="sms")
    assert "绿湖花园" in shown["body"] and "翠湖花园" not in shown["body"]
    assert shown["sample"]["project_name"] == "绿湖花园"


def stored(session, channel, body, subject="", locale="zh-CN"):
    """An override saved before the checks (or straight into the database): not checked here."""
    session.add(Template(id=str(uuid.uuid4()), group_id=G, project_id="p1", scope="p1", purpose="receipt",
                         channel=channel, locale=locale, subject=subject, body=body, version=1,
                         updated_at=datetime(2026, 11, 1, tzinfo=timezone.utc), updated_by="old.admin"))
    session.flush()


def test_a_broken_stored_override_gives_way_to_the_default_and_the_receipt_is_still_made(
        session, clock, estate, caplog):
    stored(session, "inapp", '{{ amount|truncate("a") }}')                         # refused statically now
    stored(session, "sms", "{{ amount|replace('8', '" + "八" * 300 + "') }}")       # too long with real values
    stored(session, "email", "<p>{{ amount }}</p><script>steal()</script>", locale="en")
    with caplog.at_level(logging.WARNING, logger="services.notify.domain.templates"):
        made = tell(session, clock, bills.on_receipt_issued, schemas.ReceiptIssuedIn(), RECEIPT, event_id="ev-r")
    bodies = {(n.recipient, d.channel): d.body for n in made for d in n.deliveries}
    assert bodies[("u1", "inapp")].startswith("【绿湖花园】1栋-0101") and "268.38" in bodies[("u1", "inapp")]
    assert bodies[("pe1", "sms")] == "【绿湖花园】1栋-0101 已收到您缴纳的 268.38 元，收据号 SJ00000007。"
    assert "script" not in bodies[("pe2", "email")] and "268.38" in bodies[("pe2", "email")]
    assert bodies[("pe2", "email")].startswith("<p>To the household of 1栋-0101")
    assert "template_too_long" in caplog.text and caplog.text.count("skipped") == 2


def test_refusals_name_constructs_in_words_and_never_say_line_none():
    allowed = templates.PURPOSES["receipt"].allowed("inapp")
    for body, words in (("{{ amount * 2 }}", "arithmetic (*)"), ("{{ amount ** 2 }}", "arithmetic (**)"),
                        ("{{ -amount }}", "a minus sign"), ("{{ amount / 2 }}", "arithmetic (/)"),
                        ("{{ {'a': 1} }}", "a dict"), ("{% set x = 1 %}", "{% set %}"),
                        ("{% with %}{% endwith %}", "{% with %}")):
        exc = refused(templates.check_template, body, allowed)
        assert words in exc.message and "None" not in exc.message and "Mul" not in exc.message, exc.message


def test_the_group_s_template_and_resetting_an_override_to_the_default(session, clock, estate):
    from kernel.errors import Forbidden, NotFound
    admin = work(session, clock, staff(G, (), roles=["group_admin"], all_projects=True, user_id="admin"))
    manager = work(session, clock, staff(G, ["p1"], roles=["cs_manager"], user_id="cs.mgr"))
    key = {"purpose": "greeting.holiday", "channel": "sms", "locale": "zh-CN"}
    templates.save_template(admin, dict(key, project_id=None, subject="", body="【{{ project_name }}】集团祝您{{ holiday_name }}快乐"))
    templates.save_template(manager, dict(key, project_id="p1", subject="", body="【{{ project_name }}】本项目祝您{{ holiday_name }}快乐"))

    def effective(project_id):
        return templates.preview_template(manager if project_id else admin, project_id, dict(key))

    assert (effective("p1")["source"], effective(None)["source"]) == ("project", "group")
    # the project's reset: the group's text is in effect again
    now = templates.delete_template(manager, dict(key, project_id="p1"))
    assert (now.source, now.body) == ("group", "【{{ project_name }}】集团祝您{{ holiday_name }}快乐")
    assert effective("p1")["body"] == "【绿湖花园】集团祝您春节快乐"
    with pytest.raises(NotFound) as exc:                    # nothing to reset
        templates.delete_template(manager, dict(key, project_id="p1"))
    assert exc.value.code == "template_not_found"
    # the group's is for those who see every project
    with pytest.raises(Forbidden):
        templates.delete_template(manager, dict(key, project_id=None))
    assert templates.delete_template(admin, dict(key, project_id=None)).source == "default"
    assert count(session, Template) == 0


def test_an_english_email_says_so_and_the_outage_reads_in_english(session, clock, estate):
    import json

    from services.notify.domain import sending
    from services.notify.tests.test_bills import NOTICE
    made = tell(session, clock, bills.on_bill_notice, schemas.BillNoticeIn(), NOTICE, event_id="ev-lang")
    email = next(d for n in made for d in n.deliveries if d.channel == "email")     # the English tenant's
    assert json.loads(email.channel_data) == {"lang": "en"}
    assert '<html lang="en">' in sending.email_parts(email.body, sending._lang(email.channel_data))[1]
    assert '<html lang="zh-CN">' in sending.email_parts(email.body, sending._lang(None))[1]
    shown = templates.preview_template(work(session, clock, staff(G, ["p1"], roles=["cs_manager"])), "p1",
                                       {"purpose": "outage.notice", "channel": "inapp", "locale": "en"})
    assert shown["subject"] == "Notice: water supply interruption" and "water off" not in shown["body"]


@pytest.mark.parametrize("label", ["停水", "停电", "停气"])
def test_a_printed_outage_is_titled_by_its_template_s_subject(label):
    from services.notify.domain import printing
    from services.notify.models import Delivery, Notification
    spec = templates.PURPOSES["outage.notice"]
    subject, _ = templates.resolve(None, group_id=G, project_id="p1", purpose="outage.notice", channel="print",
                                   locale="zh-CN", candidates=[]).render(dict(spec.sample(), outage_label=label))
    n = Notification(purpose="outage.notice", subject=f"{label}通知")
    assert printing.title_of(n, Delivery(channel="print", subject=subject)) == f"{label}通知"
    assert printing.title_of(Notification(purpose="dunning_first", subject="x"), None) == "催费通知书"


def test_a_notification_for_another_role_names_the_role_in_words(session, clock, estate):
    from services.notify.domain import notifications
    from services.notify.exceptions import NotAddressedToCaller
    from services.notify.models import Notification
    n = Notification(id="n1", group_id=G, project_id="p1", purpose="ticket.dispatch_engineering",
                     recipient_kind="role", recipient="engineering")
    with pytest.raises(NotAddressedToCaller) as exc:
        notifications._may_read(staff(G, ["p1"], roles=["security"]), n)
    assert exc.value.message == "该通知是发给工程部的 (this notification is for engineering)"
