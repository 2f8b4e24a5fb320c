"""HTTP plumbing: a JSON entrypoint over nameko's ``http``, and the route table
both the server and the OpenAPI document are built from.

A route declares its method, path, the schemas of its query string, body and
response, and whether it needs a token. The entrypoint parses and validates
the query and body before the handler runs (400 with per-field details),
dumps the handler's result through the response schema, commits the worker's
session, and maps any exception through ``errors.classify`` -- unknown routes
and methods included, so every error body is JSON.
"""
from __future__ import annotations

import inspect
import json
import logging
import math
import re
import uuid
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property, partial, wraps

import orjson

from eventlet.event import Event
from marshmallow import Schema
from nameko.exceptions import IncorrectSignature
from nameko.extensions import SharedExtension
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from kernel.db import SharedClock, find_database
from kernel.tenancy import Role
from kernel.validators import RECORD_ID_PATTERN
from kernel.entrypoints import finish_unit_of_work

from . import accounts
from .authcache import TokenCache
from .errors import HttpError, classify, error_response, is_expected_unavailable, is_refusal, json_response
from kernel.fastdump import Dumper

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
#: how deep a JSON body may nest (no request of the API needs more than a few levels)
MAX_JSON_DEPTH = 32
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: how a route takes an Idempotency-Key (``RouteSpec.idempotency``)
IDEMPOTENCY = ("", "optional", "required", "natural")
#: areas whose every write requires an Idempotency-Key. Since every write of the gateway requires
#: its key (``"optional"`` is read as ``"required"``: a cash payment posted twice at the desk without a
#: key would be two receipts), this list only names the areas whose writes were required first; kept
#: for the readers (tests, docs) that name them.
KEY_REQUIRED_TAGS = frozenset({"archive", "feedback", "goods-release", "keys", "vacant units", "inspections",
                               "renovation"})
#: the only writes (POST/PUT/PATCH/DELETE) that take no Idempotency-Key at all -- every other write
#: requires one (400 ``idempotency_key_required`` without one, or with an empty one), or is naturally
#: idempotent (``"natural"``: a key is accepted, not needed). Each with its reason:
KEYLESS_WRITES = {
    # login, logout and a password change: no key, the answer is a token (a new token each time is
    # harmless; a logout twice or a password set twice to the same value changes nothing more)
    ("POST", "/api/v1/auth/token"): "login: the answer is a token",
    ("POST", "/api/v1/auth/logout"): "logout: repeating it changes nothing",
    ("POST", "/api/v1/auth/password"): "a password change: the old password is its guard",
    # the providers' signed notifications: their own id (the trade number, the message id) is the key
    ("POST", "/api/v1/payments/notify/{provider}"): "a payment provider's notification: its trade number is "
                                                    "the key",
    ("POST", "/api/v1/notify/receipts/sms"): "an SMS provider's delivery receipts: their message ids are the key",
    ("POST", "/api/v1/notify/receipts/wechat"): "WeChat's delivery receipts: their message ids are the key",
    # a POST that writes nothing
    ("POST", "/api/v1/templates/preview"): "a preview: writes nothing",
    ("POST", "/api/v1/projects/{project_id}/templates/preview"): "a preview: writes nothing",
}
#: what an auditor (审计) whose only role it is may call: archive's routes -- archive lets the auditor
#: read its access log and its grants and refuses the rest, logged --, the caller's own account and the
#: projects and units they are about (no household in them). Every other route -- a unit's overview, its
#: tickets, fees, messages, keys... read from the read model or composed here with no access-log row --
#: is 403 ``role_required`` before anything is asked: the auditor reads nothing of a household.
AUDITOR_TAGS = frozenset({"archive", "auth"})
AUDITOR_ROUTES = frozenset({("GET", "/api/v1/projects"), ("GET", "/api/v1/projects/{project_id}/units"),
                            ("GET", "/api/v1/units/{unit_id}")})
#: the ids in the path (``{household_id}``, every ``{..._id}`` of every route) are checked before any
#: service is asked: an id is 1-64 letters, digits, ``-``, ``_``, ``.`` or ``:`` (the services' ids are
#: UUIDs or short codes of at most 36 characters) -- anything else cannot name a record, and answers the
#: 404 of an id that does not exist (:data:`PATH_ID_NOT_FOUND`), never a 5xx from a database column nor
#: a message echoing 5,000 characters
PATH_ID = re.compile(RECORD_ID_PATTERN)
#: a path id's not-found code: the code the service answers for an id of that name that does not exist
#: (a route may name another with ``RouteSpec.not_found``); a name not here answers ``not_found``
PATH_ID_NOT_FOUND = {
    # archive
    "household_id": "household_not_found", "project_id": "project_not_found", "unit_id": "unit_not_found",
    "person_id": "person_not_found", "lease_id": "lease_not_found", "grant_id": "grant_not_found",
    "document_id": "document_not_found", "task_id": "census_task_not_found", "building_id": "building_not_found",
    # tickets (repairs, complaints, feedback, revisits, renovation, goods release, keys, inspections,
    # vacant units)
    "ticket_id": "ticket_not_found", "release_id": "goods_release_not_found", "key_id": "key_not_found",
    "area_id": "area_not_found", "round_id": "round_not_found", "pass_id": "pass_not_found",
    "check_id": "vacant_check_not_found", "finding_id": "finding_not_found", "care_id": "vacant_care_not_found",
    # billing, dunning
    "bill_id": "bill_not_found", "batch_id": "bank_batch_not_found", "entry_id": "entry_not_found",
    "mandate_id": "mandate_not_found", "payment_id": "payment_not_found", "receipt_id": "receipt_not_found",
    "refund_id": "refund_not_found", "case_id": "dunning_case_not_found", "dispute_id": "dispute_not_found",
    "plan_id": "installment_plan_not_found", "proposal_id": "legal_proposal_not_found",
    # notify
    "broadcast_id": "broadcast_not_found", "delivery_id": "delivery_not_found",
    "notification_id": "notification_not_found",
}
#: what a path id names, in Chinese (the not-found sentences: "未找到该业户"; else "未找到该记录")
PATH_ID_NAMES_ZH = {"household_id": "业户", "project_id": "项目", "unit_id": "房屋", "person_id": "人员",
                    "lease_id": "租约", "grant_id": "查阅授权", "document_id": "档案文件", "task_id": "普查任务",
                    "building_id": "楼栋", "ticket_id": "工单", "release_id": "物品放行单", "key_id": "钥匙",
                    "area_id": "巡检区域", "round_id": "巡检记录", "pass_id": "装修出入证", "check_id": "空置房检查",
                    "finding_id": "空置房检查问题", "care_id": "空置房保养任务", "bill_id": "账单", "batch_id": "银行托收批次", "entry_id": "记账分录",
                    "mandate_id": "托收协议", "payment_id": "付款", "receipt_id": "收据", "refund_id": "退款",
                    "case_id": "催缴案件", "dispute_id": "账单异议", "plan_id": "分期缴费协议", "proposal_id": "律师函或诉讼提议",
                    "broadcast_id": "群发", "delivery_id": "投递", "notification_id": "消息", "user_id": "员工账号"}


@dataclass
class Created:
    """A registration's answer: 201 when it created the record, 200 when it already existed."""

    data: dict
    created: bool


@dataclass
class RouteSpec:
    method: str
    path: str                      # OpenAPI style: /api/v1/tickets/{ticket_id}
    summary: str
    tags: tuple = ()
    auth: bool = True
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    response: type[Schema] | None = None
    many: bool = False
    status: int = 200
    errors: tuple = field(default_factory=tuple)   # extra statuses worth documenting
    idempotent: bool = False       # accepts an Idempotency-Key header (every POST/PUT that writes)
    #: how the route takes its Idempotency-Key: ``"required"`` (400 ``idempotency_key_required`` without
    #: one, or with an empty one: every write, whose repetition by a client's retry would do the work
    #: twice -- two receipts, two broadcasts); ``"optional"``, what ``idempotent=True`` declares, is read
    #: as ``"required"``; ``"natural"`` (repeating it changes nothing -- marking a message read -- so a
    #: key is accepted but not needed); "" when it takes none (a read, or a write in
    #: :data:`KEYLESS_WRITES`). ``"required"`` and ``"natural"`` imply ``idempotent``.
    idempotency: str = ""
    description: str = ""
    #: what a success answers: JSON (dumped through ``response``), or a file the handler returns as
    #: a werkzeug ``Response`` (``errors.file_response``), e.g. ``text/csv; charset=utf-8``
    media_type: str = "application/json"
    #: the largest body it takes (``MAX_BODY``, 64 KiB; a file import more)
    max_body: int = MAX_BODY
    #: a path id's not-found code on this route when it is not :data:`PATH_ID_NOT_FOUND`'s
    not_found: dict = field(default_factory=dict)
    #: the body may be left out (read as ``{}``); one that is sent is checked against ``body`` as on any
    #: route -- a write that takes no fields (``schemas.NoFieldsIn``) refuses ``{"x": 1}`` instead of
    #: ignoring it
    body_optional: bool = False

    def __post_init__(self):
        if self.idempotency not in IDEMPOTENCY:
            raise ValueError(f"idempotency is one of {IDEMPOTENCY}, not {self.idempotency!r}")
        if self.idempotency:
            self.idempotent = True
        elif self.idempotent:
            self.idempotency = "optional"
        if self.idempotency == "optional":
            self.idempotency = "required"        # every write requires its key (KEYLESS_WRITES aside)
        if (self.method in WRITE_METHODS and not self.idempotency
                and (self.method, self.path) not in KEYLESS_WRITES):
            raise ValueError(f"{self.method} {self.path} is a write: it takes an Idempotency-Key (idempotent=True, "
                             f"or idempotency='natural'), or is named in KEYLESS_WRITES with its reason")
        if self.idempotency == "required":
            self.errors = tuple(sorted(set(self.errors) | {400}))
        if self.path_ids:
            self.errors = tuple(sorted(set(self.errors) | {404}))   # an id no record has
        if self.idempotent:
            # 409 idempotency_key_in_use, 422 idempotency_key_reused (kernel.idempotency)
            self.errors = tuple(sorted(set(self.errors) | {409, 422}))

    @property
    def path_ids(self) -> tuple[str, ...]:
        """The path's ``{..._id}`` names, checked by :data:`PATH_ID` before any service is asked."""
        return tuple(name for name in re.findall(r"\{(\w+)\}", self.path) if name.endswith("_id"))

    def path_id_not_found(self, name: str) -> str:
        """The 404 code of a path id no record can have: the route's own, the name's, else ``not_found``."""
        return self.not_found.get(name) or PATH_ID_NOT_FOUND.get(name, "not_found")

    @property
    def rule(self) -> str:
        return re.sub(r"\{(\w+)\}", r"<string:\1>", self.path)

    # one schema instance per route, made on first use (a schema's load/dump keeps no
    # state between calls, and never yields to another green thread in the middle)
    @cached_property
    def query_schema(self) -> Schema | None:
        return self.query() if self.query else None

    @cached_property
    def body_schema(self) -> Schema | None:
        return self.body() if self.body else None

    @cached_property
    def response_schema(self) -> Schema | None:
        return self.response(many=self.many) if self.response else None

    @cached_property
    def response_dumper(self) -> Dumper | None:
        """The response schema's dump, planned once (``kernel.fastdump``: same result)."""
        return Dumper(self.response_schema) if self.response else None


ROUTES: list[RouteSpec] = []


class RateLimiter(SharedExtension):
    """Sliding-window counters per key (a user's writes), shared by every route of the
    container and driven by the platform clock. Per gateway process: behind N replicas a
    user gets at most N times the limit."""

    def setup(self):
        self._hits: dict[str, deque] = {}

    def hit(self, key: str, limit: int, window: float, now: float) -> int | None:
        """Count one request of ``key``; the seconds to wait if it is over ``limit`` per
        ``window`` seconds (then it is not counted), else None."""
        if limit <= 0:
            return None
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= limit:
            return max(1, math.ceil(hits[0] + window - now))
        hits.append(now)
        if len(self._hits) > 10000:          # forget idle users
            for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - window]:
                del self._hits[k]
        return None


class AuthCache(SharedExtension):
    """The process's token -> user cache (``gateway.authcache``), shared by every route,
    with what it needs looked up once: the database's engine and the token key."""

    def setup(self):
        self._cache: TokenCache | None = None
        self._secret: str | None = None

    @property
    def cache(self) -> TokenCache:
        if self._cache is None:
            self._cache = TokenCache(find_database(self.container).engine)
        return self._cache

    @property
    def secret(self) -> str:
        if self._secret is None:
            # raises Unavailable (503) while the gateway has no usable key: not remembered
            self._secret = accounts.token_secret(self.container.config)
        return self._secret

    def user(self, token: str, now):
        return self.cache.user(token, self.secret, now)


class JsonWsgiApp(WsgiApp):
    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            response = error_response(exc)
        return response(environ, start_response)


class JsonWebServer(WebServer):
    def get_wsgi_app(self):
        return JsonWsgiApp(self)


class JsonHttp(HttpRequestHandler):
    server = JsonWebServer()

    shared_clock = SharedClock()
    limiter = RateLimiter()
    auth_cache = AuthCache()

    def __init__(self, method, url, spec: RouteSpec | None = None, **kwargs):
        self.spec = spec
        self._signature = None
        super().__init__(method, url, **kwargs)

    def authenticate(self, request):
        """The user behind the bearer token -- checked before anything in the request
        is looked at, so an anonymous caller learns nothing from validation errors.
        A :class:`gateway.authcache.AuthUser`, checked against the database on every
        request (one query by primary key), cached between them."""
        token = accounts.bearer_token(request.headers.get("Authorization", ""))
        return self.auth_cache.user(token, self.shared_clock.clock.now())

    def get_entrypoint_parameters(self, request):
        kwargs = dict(request.path_values)
        for value in kwargs.values():     # ids reach databases: NUL would be a 5xx on PostgreSQL
            _check_text(value, "invalid_path", "the path")
        spec = self.spec
        if spec is None:
            return (request,), kwargs
        if spec.auth:
            kwargs["user"] = self.authenticate(request)
            _check_auditor(spec, kwargs["user"])
            if request.method in WRITE_METHODS:
                self.limit_writes(kwargs["user"])
        _check_path_ids(spec, request.path_values)
        # the key before the body: a write without its key is refused as such, whatever its body
        if spec.idempotent:
            kwargs["idempotency_key"] = _idempotency_key(request, required=spec.idempotency == "required")
        if spec.query:
            kwargs["query"] = spec.query_schema.load(_query(request))
        if spec.body:
            kwargs["body"] = read_body(spec, request)
        return (request,), kwargs

    def check_signature(self, args, kwargs):
        """nameko's check, with the handler's signature taken once (not per request)."""
        if self._signature is None:
            self._signature = inspect.signature(getattr(self.container.service_cls, self.method_name),
                                                follow_wrapped=False)
        try:
            self._signature.bind(None, *args, **kwargs)
        except TypeError as exc:
            raise IncorrectSignature(str(exc)) from None

    def limit_writes(self, user) -> None:
        """``GATEWAY_WRITE_LIMIT_PER_MINUTE`` writes per user (0: no limit) -> 429 + Retry-After."""
        limit = int(self.container.config.get("GATEWAY_WRITE_LIMIT_PER_MINUTE", 30) or 0)
        wait = self.limiter.hit(f"write:{user.id}", limit, 60.0, self.shared_clock.clock.now().timestamp())
        if wait is not None:
            log.warning("write rate limit reached by user %s (%d per minute)", user.id, limit)
            raise HttpError(429, "rate_limited", f"at most {limit} changes per minute; try again in "
                            f"{wait} s", headers={"Retry-After": str(wait)},
                            zh=f"每分钟最多提交 {limit} 次修改，请 {wait} 秒后再试")

    def handle_request(self, request):
        request.shallow = False
        try:
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            event = Event()
            self.container.spawn_worker(self, args, kwargs, context_data={},
                                        handle_result=partial(self.handle_result, event))
            result = event.wait()
            return self.response_from_result(result)
        except Exception as exc:
            return error_response(exc)

    def handle_result(self, event, worker_ctx, result, exc_info):
        exc_info = finish_unit_of_work(self.container, worker_ctx, exc_info)
        if exc_info is not None:
            event.send_exception(exc_info[1])
        else:
            event.send(result)
        return result, exc_info

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        spec = self.spec
        status = spec.status if spec else 200
        if isinstance(result, Created):
            status = 201 if result.created else 200
            result = result.data
        if spec and spec.response and result is not None:
            result = spec.response_dumper.dump(result)
        return json_response(result, status)


def read_body(spec: RouteSpec, request) -> dict:
    """The route's body loaded through its schema (unknown fields refused: 400 ``invalid_input``); a
    route whose body is optional reads an absent one as ``{}``."""
    if spec.body_optional and not request.get_data(cache=True).strip():
        return spec.body_schema.load({})
    return spec.body_schema.load(_json_body(request, spec.max_body))


def _json_body(request, max_body: int = MAX_BODY) -> dict:
    if request.content_length and request.content_length > max_body:
        raise HttpError(413, "body_too_large", f"request bodies are at most {max_body} bytes",
                        zh=f"请求内容最大 {max_body} 字节")
    raw = request.get_data(cache=True)
    if not raw:
        raise HttpError(400, "body_required", "this call needs a JSON body", zh="此请求须带 JSON 内容")
    if request.mimetype != "application/json":
        raise HttpError(415, "json_required", "send the body as application/json",
                        zh="请以 application/json 格式发送请求内容")
    return parse_json(raw)


def parse_json(raw: bytes) -> dict:
    """A request body's JSON object, checked (400 otherwise); a route reading its own body (a file
    upload that may also come as text) uses it too."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        # what orjson refuses the standard parser may take (NaN, huge integers, lone
        # surrogates -- refused below with their own message): it decides, as before
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise HttpError(400, "invalid_json", "the body is not valid JSON", zh="请求内容不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise HttpError(400, "invalid_json", "the body must be a JSON object", zh="请求内容须为 JSON 对象")
    _check_json(data)
    return data


def _check_json(data) -> None:
    """Refuse what would break later: nesting deeper than MAX_JSON_DEPTH, and strings (or keys)
    that are not valid Unicode (a lone surrogate such as "\\ud800" cannot be encoded again)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise HttpError(400, "invalid_json", f"the body nests deeper than {MAX_JSON_DEPTH} levels",
                            zh=f"请求内容嵌套超过 {MAX_JSON_DEPTH} 层")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_text(value)


#: control characters no field of the API takes (tab, newline and carriage return are text);
#: NUL in particular is refused by PostgreSQL's text columns
_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r") | {"\x7f"}


#: the parts of a request a text is checked in, in Chinese
_WHERE_ZH = {"the body": "请求内容", "the path": "请求路径", "the query string": "查询参数"}


def _check_text(text: str, code: str = "invalid_json", where: str = "the body") -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise HttpError(400, code, f"{where} contains text that is not valid Unicode "
                        "(a lone surrogate)", zh=f"{_WHERE_ZH[where]}含有无效的 Unicode 字符") from None
    if not _CONTROL.isdisjoint(text):
        raise HttpError(400, code, f"{where} contains a control character (such as NUL)",
                        zh=f"{_WHERE_ZH[where]}含有控制字符（如 NUL）")


def _check_path_ids(spec: RouteSpec, values: dict) -> None:
    """404 for a ``{..._id}`` of the path that no record can have (:data:`PATH_ID`): too long, or not
    an id's characters -- the answer of an id that does not exist, with the route's code for the name
    (:meth:`RouteSpec.path_id_not_found`); the id itself is not repeated."""
    for name, value in values.items():
        if name.endswith("_id") and not PATH_ID.fullmatch(value):
            what = name[:-len("_id")].replace("_", " ")
            raise HttpError(404, spec.path_id_not_found(name), f"no {what} with that id",
                            zh=f"未找到该{PATH_ID_NAMES_ZH.get(name, '记录')}")


def _query(request) -> dict:
    """The query string as one value per name. A name given twice (``?account_id=a&account_id=b``) is a
    400 ``invalid_query``: no route takes a list there, and answering the first would read what the
    client did not mean (another account's bills) without saying so."""
    args = {}
    for key, values in request.args.lists():
        _check_text(key, "invalid_query", "the query string")
        if len(values) > 1:
            raise HttpError(400, "invalid_query", f"the query parameter {key[:64]} is given {len(values)} times; "
                            "give it once", zh=f"查询参数 {key[:64]} 重复出现 {len(values)} 次，只能出现一次",
                            details={key[:64]: ["Given more than once."]})
        _check_text(values[0], "invalid_query", "the query string")
        args[key] = values[0]
    return args


def _check_auditor(spec: RouteSpec, user) -> None:
    """403 for a caller whose only role is the auditor's on a route not open to it (:data:`AUDITOR_TAGS`,
    :data:`AUDITOR_ROUTES`)."""
    if user.kind != "staff" or user.role_set != {Role.AUDITOR}:
        return
    if AUDITOR_TAGS.intersection(spec.tags) or (spec.method, spec.path) in AUDITOR_ROUTES:
        return
    raise HttpError(403, "role_required",
                    "the auditor reads the household files' access log and grants, nothing of a household",
                    zh="审计只查阅业户档案的查阅记录和查阅授权，不查阅业户资料")


def _idempotency_key(request, required: bool = False) -> str:
    """The client's key. A route whose key is ``required`` -- every write but the naturally idempotent
    ones -- refuses a request without one, or with an empty one (a client's retry without its key
    would do the work twice: two receipts for one cash payment); a ``natural`` route without one gets
    a fresh key (repeating it changes nothing)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        if required:
            raise HttpError(400, "idempotency_key_required",
                            "this request needs an Idempotency-Key header (1-64 printable characters; send "
                            "the same key when you send it again)",
                            zh="此请求须带 Idempotency-Key 请求头（重发时使用同一个键）")
        return str(uuid.uuid4())
    if len(key) > 64 or not key.isprintable():
        raise HttpError(400, "bad_idempotency_key", "Idempotency-Key is 1-64 printable characters",
                        zh="Idempotency-Key 须为 1-64 个可打印字符")
    return key


def route(method: str, path: str, *, summary: str, **options):
    spec = RouteSpec(method=method, path=path, summary=summary, **options)
    ROUTES.append(spec)

    def decorate(fn):
        @wraps(fn)
        def handler(self, request, *args, **kwargs):
            # An expected refusal (a 4xx: unknown id, wrong role, a rule) is an answer, not an
            # error of the gateway: it is returned here, so nameko does not log it with a
            # traceback. So is a service's typed 503 (billing_unavailable: another service did
            # not answer, nothing done) -- one WARNING line. The worker's session is rolled back
            # as on any error.
            try:
                return fn(self, request, *args, **kwargs)
            except Exception as exc:
                if not is_refusal(exc):
                    if not is_expected_unavailable(exc):
                        raise
                    err = classify(exc)
                    log.warning("%s %s answered %s %s: %s", method, path, err.status, err.code, err.message)
                self.db.rollback()
                return error_response(exc)

        return JsonHttp.decorator(method, spec.rule, spec=spec)(handler)

    return decorate

