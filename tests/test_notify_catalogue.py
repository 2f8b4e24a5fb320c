"""notify's subscriptions (issue 10): every event handler of the service is in the machine-readable
catalogue (``services/notify/domain/subscriptions.py`` ``SUBSCRIPTIONS``) with its template purpose,
each purpose exists and goes out only on its channels, and the README's event catalogue carries
every row."""
from __future__ import annotations

from kernel.config import ROOT
from services.notify.domain import bills, subscriptions, templates
from services.notify.domain.notifications import EMAIL, INAPP, PRINT, SMS, WECHAT
from services.notify.service import NotifyService

README = (ROOT / "README.md").read_text()


def handlers() -> set[tuple[str, str, str]]:
    """(source, event type, method) of every event handler of the service."""
    found = set()
    for name in dir(NotifyService):
        for entrypoint in getattr(getattr(NotifyService, name), "nameko_entrypoints", None) or ():
            if hasattr(entrypoint, "event_type"):
                found.add((entrypoint.source_service, entrypoint.event_type, name))
    return found


def test_every_event_handler_is_in_the_catalogue_and_nothing_else():
    found = handlers()
    assert len(found) >= 11                     # the scan itself works
    assert {(s.source, s.event_type, s.handler) for s in subscriptions.SUBSCRIPTIONS} == found


def test_tickets_and_billing_subscriptions_each_name_a_purpose_and_its_channels():
    for s in subscriptions.SUBSCRIPTIONS:
        if s.purpose is None:
            # a registry copy (archive's events) makes no message
            assert s.source == "archive" and s.channels == ()
            continue
        purpose = templates.purpose_of(s.purpose)        # raises for an unknown purpose
        assert s.channels and set(s.channels) <= set(purpose.channels), s
        assert s.recipients, s


def test_a_household_s_money_messages_go_on_every_outbound_channel_of_their_purpose():
    """bills.py sends the unit in-app and each payer on the purpose's SMS / e-mail / WeChat (and a
    dunning notice's door notice to print): the catalogue says the same."""
    for s in subscriptions.SUBSCRIPTIONS:
        if s.source != "billing":
            continue
        outbound = set(templates.purpose_of(s.purpose).channels) & {SMS, EMAIL, WECHAT}
        door = {PRINT} if s.purpose in bills.DUNNING_PURPOSES.values() else set()
        assert set(s.channels) == {INAPP} | outbound | door, s


def test_archive_s_one_message_is_the_move_in_welcome_on_every_channel_of_its_purpose():
    """The welcome reaches the payers as the bills do: the unit in-app and every outbound channel."""
    made = [s for s in subscriptions.SUBSCRIPTIONS if s.source == "archive" and s.purpose]
    assert [(s.event_type, s.purpose) for s in made] == [("household.changed", "move_in.welcome"),
                                                         ("identity_match.locked", "identity_match.locked")]
    assert set(made[0].channels) == set(templates.purpose_of("move_in.welcome").channels)


def test_an_identity_match_lock_is_told_to_the_cs_manager_in_app_in_the_platforms_words():
    """Trial 4 M12: the lock's message promises an alert to the CS manager -- notify subscribes to
    archive's ``identity_match.locked`` (staff in-app only; no free text, no name or number tried)."""
    [lock] = [s for s in subscriptions.SUBSCRIPTIONS if s.event_type == "identity_match.locked"]
    assert (lock.source, lock.handler, lock.channels) == ("archive", "on_identity_match_locked", (INAPP,))
    assert "cs_manager" in lock.recipients
    purpose = templates.purpose_of("identity_match.locked")
    assert purpose.channels == ("inapp",) and "note" not in purpose.placeholders
    from services.archive.events import CONTRACT
    assert "identity_match.locked" in CONTRACT.schemas


def test_a_voided_goods_release_tells_the_household_no_staff_text():
    """Trial 4 M4: the void's reason (a manager's free text) never reaches the household's message."""
    purpose = templates.purpose_of("goods_release.voided")
    assert "void_reason" not in purpose.placeholders
    for locale in ("zh-CN", "en"):
        text = templates.DEFAULTS[("goods_release.voided", "inapp", locale)]
        assert "void_reason" not in text.subject + text.body
    assert "联系服务中心" in templates.DEFAULTS[("goods_release.voided", "inapp", "zh-CN")].body


def test_every_purpose_told_because_of_an_event_is_in_the_catalogue_once_per_event():
    rows = [(s.event_type, s.purpose) for s in subscriptions.SUBSCRIPTIONS if s.purpose]
    assert len(rows) == len(set(rows))
    assert set(bills.DUNNING_PURPOSES.values()) | set(bills.REMINDER_PURPOSES.values()) <= {p for _, p in rows}


def test_the_readme_event_catalogue_lists_every_subscription_with_its_purpose():
    """README.md carries ``subscriptions.markdown()`` (README-additions.md: "notify's subscriptions")."""
    missing = [s.row() for s in subscriptions.SUBSCRIPTIONS if s.row() not in README]
    assert not missing, "README.md lacks these rows of notify's subscriptions:\n" + "\n".join(missing)
    assert subscriptions.HEADER in README
