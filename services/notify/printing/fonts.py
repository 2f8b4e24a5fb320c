"""Where the CJK TrueType font of the printed notices is.

``WUYE_CJK_FONT`` (a path) wins; otherwise the first file present among the well-known Debian
paths of ``fonts-wqy-microhei``, ``fonts-wqy-zenhei`` and ``fonts-noto-cjk``. The project's own
setup installs one when none is found (``./wuye``'s bootstrap: ``apt-get install -y
fonts-wqy-microhei``; the image: ``deploy/Dockerfile``). No font: :class:`CjkFontMissing`, a typed
422 that says how to install one -- never a PDF with blank boxes for the Chinese text, never a 5xx.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import CjkFontMissing

ENV = "WUYE_CJK_FONT"
#: the Debian package ``./wuye`` and the image install when no CJK font is found
PACKAGE = "fonts-wqy-microhei"
#: (path, index of the face in a TrueType collection), in order of preference
WELL_KNOWN = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),        # fonts-wqy-microhei
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),          # fonts-wqy-zenhei
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # fonts-noto-cjk (SC is face 2)
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
)


@dataclass(frozen=True)
class FontFile:
    path: str
    collection_index: int = 0


def locate(environ: dict | None = None, candidates=WELL_KNOWN) -> FontFile:
    """The CJK font to embed; :class:`CjkFontMissing` if ``WUYE_CJK_FONT`` names no file or none
    of the well-known files is installed."""
    env = os.environ if environ is None else environ
    chosen = (env.get(ENV) or "").strip()
    if chosen:
        if not Path(chosen).is_file():
            raise CjkFontMissing(f"{ENV}={chosen!r} is not a font file: point it at a CJK TrueType font "
                                 f"(.ttf/.ttc) or unset it to use an installed one ({PACKAGE})")
        return FontFile(chosen, 0)
    for path, index in candidates:
        if Path(path).is_file():
            return FontFile(path, index)
    raise CjkFontMissing(f"no CJK font for the printed notices: install one (apt-get install -y {PACKAGE}; "
                         f"./wuye does it when apt-get is available) or set {ENV} to a .ttf/.ttc file "
                         f"(looked in {', '.join(p for p, _ in candidates)})")
