"""``kernel.errors_zh.untranslated`` names every English-only error of a package (a class without
``zh``; a raise without ``zh=`` of a class without one, or with its own ``code=``; a call without ``zh=``
of another exception class that takes ``zh=``, as the gateway's ``HttpError``) and nothing else."""
from __future__ import annotations

import sys
import textwrap

from kernel.errors_zh import errors_made, untranslated


def test_it_names_every_english_only_error_and_nothing_else(tmp_path, monkeypatch):
    package = tmp_path / "zhcheck_sample"
    (package / "tests").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "tests" / "__init__.py").write_text("")
    (package / "tests" / "test_x.py").write_text("from kernel.errors import InvalidInput\nInvalidInput('ok in tests')\n")
    (package / "exceptions.py").write_text(textwrap.dedent('''\
        from kernel.errors import Conflict, NotFound


        class ThingNotFound(NotFound):
            default_code = "thing_not_found"
            zh = "未找到该物品"


        class ThingExists(Conflict):
            default_code = "thing_exists"


        class Answer(Exception):
            def __init__(self, status, message, *, zh=None):
                super().__init__(message)

            @classmethod
            def relay(cls, status, message):
                return cls(status, message, zh=None)


        class Plain(Exception):
            pass
        '''))
    (package / "answers.py").write_text(textwrap.dedent('''\
        from .exceptions import Answer, Plain


        def answer(x):
            if x == 1:
                raise Answer(400, "bad body", zh="请求内容有误")
            if x == 2:
                raise Answer(404, "no route")
            if x == 3:
                raise Plain("not an answer")
            return Answer.relay(409, "未找到 (a service wrote it)")
        '''))
    (package / "domain.py").write_text(textwrap.dedent('''\
        from kernel import errors
        from kernel.errors import InvalidInput

        from . import exceptions
        from .exceptions import ThingNotFound


        def check(x):
            if x == 1:
                raise ThingNotFound(f"no thing {x}")
            if x == 2:
                raise InvalidInput("bad x", code="bad_x", zh="x 填写有误")
            if x == 3:
                raise InvalidInput("bad x", code="bad_x")
            if x == 4:
                raise errors.Forbidden("not yours")
            if x == 5:
                raise ThingNotFound("gone for good", code="thing_gone")
            if x == 6:
                raise ThingNotFound("gone for good", code="thing_gone", zh="该物品已销毁")
            return exceptions.ThingExists("there already")
        '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        found = untranslated("zhcheck_sample")
        made = errors_made("zhcheck_sample")
    finally:
        for name in [m for m in sys.modules if m.startswith("zhcheck_sample")]:
            del sys.modules[name]
    assert made == 9          # domain's 7 and answers' 2: not Plain, not Answer.relay, not the tests
    assert [line.split("/")[-1] for line in found] == [
        "answers.py:8: Answer(...) without zh=",
        "domain.py:14: InvalidInput(..., code=...) without zh=",
        "domain.py:16: Forbidden(...) without zh=",
        "domain.py:18: ThingNotFound(..., code=...) without zh=",
        "domain.py:21: ThingExists(...) without zh=",
        "exceptions.py:9: class ThingExists has no zh",
    ]


def test_every_error_the_kernel_raises_has_its_chinese():
    """The kernel's own raises (copies, tenancy, ...) reach users through every service: each says its
    Chinese. The base classes in ``kernel/errors.py`` carry none on purpose (a raise gives it)."""
    from kernel.errors_zh import untranslated as check
    assert [found for found in check("kernel") if not found.startswith("kernel/errors.py:")] == []
