"""The gateway's own answers (bad JSON, no token, no route, a body too large, no Idempotency-Key, a service
that does not answer...) are read by Chinese staff and residents too: each message says its Chinese
sentence first and the English after it (``kernel.errors.bilingual``), the JSON stays
``{"error", "message"}`` with the same codes -- and a service's error is answered as the service wrote it."""
from __future__ import annotations

from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from werkzeug.exceptions import MethodNotAllowed, NotFound as RouteNotFound

from gateway.errors import HttpError, classify
from gateway.tests.test_http import gateway, login  # noqa: F401  (fixture)
from kernel.errors import InvalidInput, Unauthenticated
from kernel.errors_zh import errors_made, untranslated


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_answer_the_gateway_makes_has_its_chinese():
    """Every ``HttpError`` the gateway makes passes ``zh=``, and every kernel error it raises with its own
    ``code=`` (a login refused, a token expired...) too: a new English-only answer fails here."""
    assert errors_made("gateway") > 60                 # the scan reads the gateway's answers
    assert untranslated("gateway") == []


def test_the_generic_answers_say_chinese_then_english_with_their_codes(gateway, web_session):  # noqa: F811
    anonymous = web_session.get("/api/v1/me")
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "token_required")
    assert anonymous.json()["message"] == ("请先登录（请求须带 Authorization: Bearer 令牌） "
                                           "(send 'Authorization: Bearer <token>' (POST /api/v1/auth/token))")
    wrong = web_session.post("/api/v1/auth/token", json={"username": "zhangwei", "password": "nope"})
    assert wrong.json() == {"error": "invalid_credentials", "message": "用户名或密码错误 (wrong username or password)"}

    headers = dict(login(web_session), **{"Idempotency-Key": "zh-1"})
    answers = {
        "bad json": web_session.post("/api/v1/repairs", data="{not json",
                                     headers={**headers, "Content-Type": "application/json"}),
        "a list": web_session.post("/api/v1/repairs", json=["a list"], headers=headers),
        "not json": web_session.post("/api/v1/repairs", data="x=1", headers={**headers, "Content-Type": "text/plain"}),
        "too large": web_session.post("/api/v1/repairs", json={"unit_id": "u1", "content": "x" * 70000},
                                      headers=headers),
        "no key": web_session.post("/api/v1/repairs", json={"unit_id": "u1", "content": "漏水"},
                                   headers={"Authorization": headers["Authorization"]}),
        "no route": web_session.get("/api/v1/nothing-here", headers=headers),
        "wrong method": web_session.delete("/api/v1/me", headers=headers),
    }
    said = {what: (r.status_code, r.json()["error"], r.json()["message"]) for what, r in answers.items()}
    assert said["bad json"] == (400, "invalid_json", "请求内容不是有效的 JSON (the body is not valid JSON)")
    assert said["a list"] == (400, "invalid_json", "请求内容须为 JSON 对象 (the body must be a JSON object)")
    assert said["not json"] == (415, "json_required",
                                "请以 application/json 格式发送请求内容 (send the body as application/json)")
    assert said["too large"][:2] == (413, "body_too_large") and said["too large"][2].startswith("请求内容最大 ")
    assert said["no key"][:2] == (400, "idempotency_key_required")
    assert said["no key"][2].startswith("此请求须带 Idempotency-Key 请求头")
    assert said["no route"][:2] == (404, "route_not_found") and said["no route"][2].startswith("没有这个接口 (")
    assert said["wrong method"][:2] == (405, "method_not_allowed")
    assert said["wrong method"][2].startswith("该接口不支持此请求方法 (")
    for response in answers.values():
        assert set(response.json()) == {"error", "message"}, response.text


def test_a_service_that_does_not_answer_is_told_in_both_languages():
    timeout = classify(RpcTimeout())
    assert (timeout.status, timeout.code) == (504, "upstream_timeout")
    assert timeout.message == "服务未能及时响应，请重试 (a service did not answer in time; try again)"
    down = classify(UnknownService("billing"))
    assert (down.status, down.code) == (503, "service_unavailable") and _has_cjk(down.message)
    broken = classify(RemoteError("KeyError", "'internal detail'"))
    assert (broken.status, broken.code) == (502, "upstream_error")
    assert broken.message == "服务处理请求时出错 (a service failed while handling the request)"
    assert _has_cjk(classify(RouteNotFound()).message) and _has_cjk(classify(MethodNotAllowed(["GET"])).message)


def test_a_service_error_is_answered_as_the_service_wrote_it():
    """The gateway adds no Chinese of its own to a service's message: bilingual as written, English only where
    the service has none (``HttpError.relay``)."""
    said = InvalidInput("no unit u9", code="unit_not_found", zh="未找到该房屋")
    relayed = classify(RemoteError("InvalidInput", str(said)))
    assert (relayed.status, relayed.code, relayed.message) == (400, "unit_not_found", "未找到该房屋 (no unit u9)")
    english = classify(RemoteError("InvalidInput", str(InvalidInput("plain English"))))
    assert english.message == "plain English"
    local = classify(Unauthenticated("the token has expired; log in again", code="token_expired", zh="登录已过期，请重新登录"))
    assert local.message == "登录已过期，请重新登录 (the token has expired; log in again)"
    assert HttpError.relay(409, "x", "已存在 (there already)").message == "已存在 (there already)"
