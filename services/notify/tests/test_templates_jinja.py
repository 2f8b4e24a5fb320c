"""Templates on Jinja2 (issue 10): refused at upload when they name a variable their purpose does not
provide (the names in the error), when they do not parse (the line), when they reach into objects;
the sandbox holds at render too; HTML e-mail escaped, SMS not; every purpose's defaults render with
its sample data in both locales on each channel; the preview writes nothing; migration 0042 turns
stored ``{name}`` into ``{{ name }}``."""
from __future__ import annotations

import pytest
from jinja2.sandbox import SecurityError
from sqlalchemy import create_engine, text

from kernel.config import migrations_dir
from kernel.db import upgrade
from kernel.testing import staff
from services.notify.domain import templates
from services.notify.exceptions import TemplateRefused
from services.notify.models import Template

from .test_domain import G, count, work

pytest_plugins = ["services.notify.tests.test_domain"]


def save(session, clock, **data):
    return templates.save_template(work(session, clock, staff(G, ["p1"], roles=["cs_manager"])),
                                   dict({"project_id": "p1", "locale": "zh-CN", "subject": ""}, **data))


def test_a_variable_the_purpose_does_not_provide_is_refused_at_upload_by_name(session, clock, estate):
    with pytest.raises(TemplateRefused) as exc:
        save(session, clock, purpose="bill_notice", channel="inapp",
             body="{{ unit_label }} 应缴 {{ amount }}，户主 {{ owner_name }}，{{ owner_phone }}")
    assert exc.value.code == "unknown_placeholder" and exc.value.kind == "RuleViolation"    # a 422
    assert exc.value.details["missing"] == ["owner_name", "owner_phone"]
    assert "owner_name" in exc.value.message and "owner_phone" in exc.value.message
    # an SMS names only platform values: the resident's words are refused there, allowed in-app
    with pytest.raises(TemplateRefused) as exc:
        save(session, clock, purpose="move_in.welcome", channel="sms", body="{{ resident_name }}，欢迎入住")
    assert exc.value.details["missing"] == ["resident_name"]
    save(session, clock, purpose="move_in.welcome", channel="inapp", body="{{ resident_name }}，欢迎入住")
    assert count(session, Template) == 1


def test_syntax_errors_are_refused_with_their_line(session, clock, estate):
    with pytest.raises(TemplateRefused) as exc:
        save(session, clock, purpose="receipt", channel="inapp", body="第一行\n第二行 {{ amount }\n")
    assert exc.value.code == "template_syntax" and exc.value.details["line"] == 2
    assert "line 2" in exc.value.message


@pytest.mark.parametrize("body, construct", [
    ("{{ ''.__class__ }}", "attribute access"),
    ("{{ amount.__class__.__mro__ }}", "attribute access"),
    ("{{ amount['x'] }}", "item access"),
    ("{{ range(10) }}", "a call"),
    ("{% for c in amount %}{{ c }}{% endfor %}", "a loop"),
    ("{{ amount|attr('__class__') }}", "attr"),
    ("{% set amount = 1 %}", "an assignment"),
    ("{% include 'x' %}", "an include"),
])
def test_reaching_into_objects_is_refused_at_upload(session, clock, estate, body, construct):
    with pytest.raises(TemplateRefused) as exc:
        save(session, clock, purpose="receipt", channel="inapp", body=body)
    assert exc.value.code == "template_unsafe" and exc.value.details["construct"] == construct


def test_the_sandbox_blocks_unsafe_access_at_render_too():
    # what the upload check would refuse, rendered straight by the environment, is stopped by the sandbox
    env = templates._ENVS[False]
    with pytest.raises(SecurityError):
        env.from_string("{{ ''.__class__.__mro__[1].__subclasses__() }}").render()
    with pytest.raises(SecurityError):
        env.from_string("{{ x.__init__.__globals__ }}").render(x=templates.Text("", ""))
    with pytest.raises(SecurityError):          # strict: an unsafe attribute is an error, not a blank
        env.from_string("{{ ''.__class__ }}").render()


def test_html_email_bodies_are_escaped_and_sms_is_not():
    value = {"project_name": "<b>翠湖</b> & Co", "unit_label": "1-101", "receipt_number": "SJ1", "amount": "5"}
    email = templates.Resolved("receipt", "email", "zh-CN", "{{ project_name }}",
                               "<p>{{ project_name }}</p>", "default")
    subject, body = email.render(value)
    assert email.html and body == "<p>&lt;b&gt;翠湖&lt;/b&gt; &amp; Co</p>"
    assert subject == "<b>翠湖</b> & Co"        # a header, not HTML
    sms = templates.Resolved("receipt", "sms", "zh-CN", "", "【{{ project_name }}】{{ amount }}", "default")
    assert not sms.html and sms.render(value)[1] == "【<b>翠湖</b> & Co】5"
    # an e-mail without tags is plain text, not escaped
    plain = templates.Resolved("receipt", "email", "zh-CN", "", "{{ project_name }}", "default")
    assert not plain.html and plain.render(value)[1] == "<b>翠湖</b> & Co"


CASES = [(p.key, channel, locale) for p in templates.PURPOSES.values() for channel in p.channels
         for locale in templates.LOCALES]


@pytest.mark.parametrize("purpose, channel, locale", CASES, ids=["/".join(c) for c in CASES])
def test_every_default_renders_with_its_sample_data(purpose, channel, locale):
    spec = templates.PURPOSES[purpose]
    default = templates.DEFAULTS[(purpose, channel, locale)]
    allowed = spec.allowed(channel)
    templates.check_template(default.subject, allowed)
    templates.check_template(default.body, allowed)
    resolved = templates.resolve(None, group_id=G, project_id="p1", purpose=purpose, channel=channel,
                                 locale=locale, candidates=[])
    assert (resolved.source, resolved.locale) == ("default", locale)
    subject, body = resolved.render(spec.sample(locale))
    assert body.strip() and "{{" not in body and "None" not in body
    assert subject.strip() or channel == "sms"
    # a printed notice is signed by the PDF's footer (<project>物业服务中心), not by its text
    assert spec.sample(locale)["project_name"] in subject + body or purpose.startswith("dunning") or channel == "print"


PHONES = ("service_phone", "steward_phone")
PHONE_CASES = [c for c in CASES if set(PHONES) & templates.PURPOSES[c[0]].placeholders]


@pytest.mark.parametrize("purpose, channel, locale", PHONE_CASES, ids=["/".join(c) for c in PHONE_CASES])
def test_a_built_in_text_leaves_out_a_phone_that_is_not_set(purpose, channel, locale):
    """TRIAL finding: "如有疑问请致电 无", "专属管家是 服务中心，电话 无" when no phone is set (setting
    ``service_centre.phone`` empty, no steward known). A phone not known is empty, and every built-in
    text with a phone leaves its phrase out (``{% if service_phone %}``): no "无"/"none", no dangling
    "电话"/"phone", no empty brackets; with a phone, the phone is said."""
    spec = templates.PURPOSES[purpose]
    resolved = templates.resolve(None, group_id=G, project_id="p1", purpose=purpose, channel=channel,
                                 locale=locale, candidates=[])
    sample = spec.sample(locale)
    with_phone = " ".join(resolved.render(sample))
    for name in PHONES:
        if name in spec.allowed(channel) and name in (resolved.subject + resolved.body):
            assert sample[name] in with_phone, (name, with_phone)
    centre = {"zh-CN": "服务中心", "en": "the service centre"}[locale]
    bare = dict(sample, **{name: "" for name in PHONES if name in sample})
    if "steward_name" in sample and purpose == "move_in.welcome":
        bare["steward_name"] = centre                     # no steward known: the service centre answers
    subject, body = resolved.render(bare)
    text = subject + " " + body
    for word in ("无", "none", "电话 。", "电话：\n", "（）", "()", ": .", " ;", "；。", "致电 。", "咨询 。",
                 "phone ;", "phone .", "Questions: .", "：。"):
        assert word not in text, (word, text)
    assert not text.rstrip().endswith(("电话", "电话：", "phone", "Questions:", "致电")), text
    assert "{%" not in text and "{{" not in text


def test_the_welcome_and_the_vacancy_result_with_and_without_a_phone():
    def render(purpose, channel, locale, **values):
        spec = templates.PURPOSES[purpose]
        resolved = templates.resolve(None, group_id=G, project_id="p1", purpose=purpose, channel=channel,
                                     locale=locale, candidates=[])
        return resolved.render(dict(spec.sample(locale), **values))[1]

    welcome = dict(resident_name="王女士", project_name="绿湖花园", unit_label="1栋-0101")
    assert render("move_in.welcome", "inapp", "zh-CN", **welcome, steward_name="赵管家", steward_phone="13800001234",
                  service_phone="0571-88880000") == ("王女士，欢迎入住 绿湖花园 1栋-0101！您的专属管家是 赵管家，电话 "
                                                     "13800001234；服务中心电话 0571-88880000。")
    # no steward known and no service centre phone: the service centre, without "电话 无"
    assert render("move_in.welcome", "inapp", "zh-CN", **welcome, steward_name="服务中心", steward_phone="",
                  service_phone="") == "王女士，欢迎入住 绿湖花园 1栋-0101！您的专属管家是 服务中心。"
    assert render("move_in.welcome", "sms", "en", project_name="绿湖花园", unit_label="1栋-0101",
                  steward_name="the service centre", steward_phone="", service_phone="") == (
        "[绿湖花园] Welcome to 1栋-0101! Your steward the service centre.")
    vacancy = dict(project_name="绿湖花园", unit_label="1栋-0101", check_date="2026-11-10", result_label="房屋设施完好，未发现问题")
    assert render("vacancy.check_result", "inapp", "zh-CN", **vacancy, service_phone="0571-88880000") == (
        "【绿湖花园】您的空置房 1栋-0101 已于 2026-11-10 完成本月检查：房屋设施完好，未发现问题。如有疑问请致电 0571-88880000。")
    assert render("vacancy.check_result", "inapp", "zh-CN", **vacancy, service_phone="") == (
        "【绿湖花园】您的空置房 1栋-0101 已于 2026-11-10 完成本月检查：房屋设施完好，未发现问题。")


def test_every_purpose_has_samples_a_kind_and_the_legal_and_marketing_ones_are_marked():
    for spec in templates.PURPOSES.values():
        assert set(spec.sample()) == spec.placeholders and set(spec.sample("en")) == spec.placeholders
        assert spec.kind in templates.KINDS
    legal = {k for k, p in templates.PURPOSES.items() if p.legal}
    marketing = {k for k, p in templates.PURPOSES.items() if p.marketing}
    assert legal == {"dunning_first", "dunning_second", "dunning_final", "outage.notice", "outage.urgent"}
    assert {k for k, p in templates.PURPOSES.items() if p.emergency} == {"outage.urgent", "quality.notify_supervision"}
    assert marketing == {"greeting.holiday", "community.event"}
    # DOMAIN.md's triggers each have a purpose
    for key in ("move_in.welcome", "bill_notice", "payment_reminder", "outage.notice", "warranty.expiry",
                "greeting.holiday", "community.event", "ticket.opened.resident", "ticket.status_changed",
                "ticket.sla_warning", "ticket.sla_breached", "revisit.request", "vacancy.check_result",
                "receipt"):
        assert key in templates.PURPOSES
    assert set(templates.PURPOSES["bill_notice"].channels) >= {"email", "wechat"}


def test_preview_renders_with_sample_data_and_writes_nothing(session, clock, estate):
    manager = work(session, clock, staff(G, ["p1"], roles=["cs_manager"]))
    shown = templates.preview_template(manager, "p1", {"purpose": "outage.notice", "channel": "sms",
                                                       "locale": "zh-CN"})
    assert shown["source"] == "default" and shown["kind"] == "legal" and "停水" in shown["body"]
    draft = templates.preview_template(manager, "p1", {
        "purpose": "bill_notice", "channel": "email", "locale": "en", "subject": "Bill {{ bill_number }}",
        "body": "<p>{{ unit_label }} owes {{ amount }}</p>"})
    assert (draft["source"], draft["subject"], draft["html"]) == ("preview", "Bill ZD-202611-0042", True)
    assert draft["body"] == "<p>B3-2-1201 owes 356.20</p>"
    with pytest.raises(TemplateRefused) as exc:
        templates.preview_template(manager, "p1", {"purpose": "bill_notice", "channel": "sms", "locale": "zh-CN",
                                                   "body": "{{ amount }} {{ bank_account }}"})
    assert exc.value.details["missing"] == ["bank_account"]
    with pytest.raises(Exception) as exc:         # same roles as editing
        templates.preview_template(work(session, clock, staff(G, ["p1"], roles=["front_desk"])), "p1",
                                   {"purpose": "receipt", "channel": "inapp", "locale": "zh-CN"})
    assert exc.value.kind == "Forbidden"
    assert count(session, Template) == 0


def test_a_missing_value_is_never_a_blank(session, clock, estate):
    save(session, clock, purpose="receipt", channel="inapp", body="{{ receipt_number }} {{ amount }}")
    resolved = templates.resolve(session, group_id=G, project_id="p1", purpose="receipt", channel="inapp",
                                 locale="zh-CN")
    with pytest.raises(TemplateRefused) as exc:      # the default needs it too: refused, not blank
        resolved.render({"project_name": "绿湖花园", "unit_label": "1-101", "receipt_number": "SJ9"})
    assert exc.value.code == "missing_value" and "amount" in exc.value.message


def test_migration_0042_turns_stored_braces_into_jinja(tmp_path):
    url = f"sqlite:///{tmp_path / 'notify.db'}"
    upgrade(migrations_dir("notify"), url, "0041")
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(text(
            "INSERT INTO templates (id, group_id, project_id, scope, purpose, channel, locale, subject, body, "
            "version, updated_at, updated_by) VALUES ('t1', :g, 'p1', 'p1', 'ticket.opened.resident', 'sms', "
            "'zh-CN', '受理 {ticket_number}', '【{project_name}】{ticket_number} {Not_a_name} {{ x }} {}', 1, "
            "'2026-11-26 00:00:00', 'u1')"), {"g": G})
    upgrade(migrations_dir("notify"), url, "0042")
    with engine.begin() as db:
        subject, body = db.execute(text("SELECT subject, body FROM templates WHERE id = 't1'")).one()
    assert subject == "受理 {{ ticket_number }}"
    assert body == "【{{ project_name }}】{{ ticket_number }} {Not_a_name} {{ x }} {}"
    engine.dispose()
