"""Where the CJK TrueType font of the printed notices is: the kernel's one locator
(:mod:`kernel.pdf` -- ``WUYE_CJK_FONT``, else the well-known Debian paths; none:
:class:`CjkFontMissing`, a typed 422 that says how to install one). Kept under this name for
notify's callers."""
from __future__ import annotations

from kernel.pdf import ENV, PACKAGE, WELL_KNOWN, CjkFontMissing, FontFile, locate

__all__ = ["ENV", "PACKAGE", "WELL_KNOWN", "CjkFontMissing", "FontFile", "locate"]
