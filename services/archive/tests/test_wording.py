"""TRIAL11 finding 9: every error archive raises reads in Chinese for its staff. An archive error class
says its Chinese sentence (``zh``); a raise that overrides the code, or raises one of the kernel's
bases, says its own (``zh=``) -- checked here over archive's source, so a new raise without Chinese
fails the suite (``kernel.errors.bilingual``: the message is ``中文 (English)``, the code unchanged)."""
from __future__ import annotations

from kernel.errors import WuyeError
from kernel.errors_zh import errors_made, untranslated


def test_every_error_archive_makes_carries_chinese():
    """The one check (``kernel.errors_zh.untranslated``, archive's rule made the kernel's)."""
    assert errors_made("services.archive") > 60                # the scan finds archive's raises
    assert untranslated("services.archive") == []


def test_the_archive_error_classes_each_have_their_sentence():
    from services.archive import exceptions
    from services.archive.domain import access, documents
    classes = [c for m in (exceptions, documents, access) for c in vars(m).values()
               if isinstance(c, type) and issubclass(c, WuyeError) and c.__module__ == m.__name__]
    assert len(classes) > 25
    for cls in classes:
        assert cls.zh and any("\u4e00" <= ch <= "\u9fff" for ch in cls.zh), cls.__name__
        said = cls("english words")
        assert said.message == f"{cls.zh} (english words)" and said.code == cls.default_code
