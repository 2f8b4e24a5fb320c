"""The platform's one PDF renderer (fpdf2 and a CJK TrueType font): what every printed document
shares -- finding the font, the A4 page with its margins, Chinese text wrapped, a table with ruled
cells -- and nothing about what a document says. notify's printed notices
(``services/notify/printing/pdf.py``) and tickets' front-desk printouts
(``services/tickets/domain/printouts.py``: the goods release pass, the renovation permit and passes,
the day's inspection sheet) lay their pages out with it.

**The font.** ``WUYE_CJK_FONT`` (a path) wins; otherwise the first file present among the
well-known Debian paths of ``fonts-wqy-microhei``, ``fonts-wqy-zenhei`` and ``fonts-noto-cjk``. The
project's own setup installs one when none is found (``./wuye``'s bootstrap: ``apt-get install -y
fonts-wqy-microhei``; the image: ``deploy/Dockerfile``). No font, or a file that is no font:
:class:`CjkFontMissing`, a typed 422 ``cjk_font_missing`` that says how to install one -- never a
PDF with blank boxes for the Chinese text, never a 5xx.

**Wrapping** (:func:`wrap`): between CJK characters and at spaces, never inside a run of ASCII (a
date, an amount, a unit or pass number) unless it is wider than a line, never before closing
punctuation (禁则: it hangs at the end of the line before).

Usage::

    pdf = document("装修许可证")            # A4, margins, the font embedded
    heading(pdf, "绿湖花园", "装修许可证")
    fields(pdf, [("编号", "ZXXK-20261124-0001"), ("房号", "1栋-0101")])
    table(pdf, ["项目", "结果"], [["楼梯扶手", ""]], widths=[3, 1])
    data = output(pdf)
"""
from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from fpdf import FPDF
from marshmallow import Schema
from marshmallow import fields as mf

from .errors import RuleViolation

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
PDF_TYPE = "application/pdf"
FAMILY = "wuye-cjk"
#: A4, millimetres
MARGIN, LINE = 20, 8
#: never at the start of a line (禁则): kept at the end of the line before, in the right margin
NO_LINE_START = set("，。、；：？！）》」』】〕〉”’%,.;:?!)]}")
#: a run of ASCII (a date, an amount, a unit number) is not broken; CJK text breaks between characters
_TOKENS = re.compile(r"[!-~]+|\s|.")


class CjkFontMissing(RuleViolation):
    """No CJK font to print with: the setup installs one (fonts-wqy-microhei) or WUYE_CJK_FONT names it."""

    default_code = "cjk_font_missing"
    zh = "服务器没有可用的中文字体，无法生成打印文件，请联系管理员"


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
    raise CjkFontMissing(f"no CJK font for the printed documents: install one (apt-get install -y {PACKAGE}; "
                         f"./wuye does it when apt-get is available) or set {ENV} to a .ttf/.ttc file "
                         f"(looked in {', '.join(p for p, _ in candidates)})")


def document(title: str, *, font: FontFile | None = None, compress: bool = True,
             orientation: str = "P") -> FPDF:
    """An empty A4 document with the margins, the title and the CJK font embedded (no page yet).
    ``compress=False`` leaves the streams readable (tests read the text back:
    :mod:`kernel.pdftext`)."""
    font = font or locate()
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_compression(compress)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.set_creator("Wuye")
    pdf.set_title(title)
    try:
        pdf.add_font(FAMILY, fname=font.path, collection_font_number=font.collection_index)
    except Exception as exc:     # not a font fpdf2 can embed (a wrong WUYE_CJK_FONT)
        raise CjkFontMissing(f"the CJK font {font.path} cannot be embedded ({exc.__class__.__name__}: {exc}); "
                             f"set {ENV} to a TrueType font (.ttf/.ttc) or install {PACKAGE}") from exc
    pdf.set_font(FAMILY, size=12)
    return pdf


def output(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` in lines of at most ``width`` in the current font: broken between CJK characters and
    at spaces, never inside a run of ASCII (2027-01-15, 268.38) unless it is wider than a line, and
    never before closing punctuation (it hangs at the end of the line before)."""
    lines, line = [], ""
    for token in _TOKENS.findall(text):
        if not line and token.isspace():
            continue
        if line and pdf.get_string_width(line + token) > width:
            if token[0] in NO_LINE_START and len(token) == 1:
                line += token
                continue
            lines.append(line.rstrip())
            line = "" if token.isspace() else token
        else:
            line += token
    lines.append(line.rstrip())
    return lines


def paragraph(pdf: FPDF, text: str, *, size: float = 12, width: float | None = None, height: float = LINE) -> None:
    """``text`` wrapped (:func:`wrap`), each of its lines a paragraph, from the left margin."""
    width = width or pdf.epw
    pdf.set_font(FAMILY, size=size)
    for para in text.splitlines() or [""]:
        for line in wrap(pdf, para, width):
            # a cell, not a multi_cell: a hanging mark may go a little into the right margin
            pdf.cell(width, height, line, new_x="LMARGIN", new_y="NEXT")


#: the red of a status mark (【已作废】, 【补打】)
MARK_COLOUR = (200, 0, 0)


def heading(pdf: FPDF, header: str, title: str, *, subtitle: str = "", title_size: float = 22,
            gap: float = 6, marks: Sequence[str] = (), mark_size: float = 13) -> None:
    """The page's head: ``header`` (the project's name) centred with a rule under it, then the
    ``title`` large, then the ``subtitle`` (a part's name: 存根联 / 通知联) if any. ``marks`` (a
    status: 已作废, 补打) are printed in red on the title's line, beside it -- the last at the right
    margin, any before it at the left (``【已作废】 物品放行条 【补打】``) -- taking no line of their own."""
    width = pdf.epw
    pdf.set_font(FAMILY, size=14)
    pdf.cell(width, LINE, header, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.l_margin + width, pdf.get_y() + 1)
    pdf.ln(gap)
    if marks:
        y, height = pdf.get_y(), title_size * 0.6
        pdf.set_font(FAMILY, size=mark_size)
        pdf.set_text_color(*MARK_COLOUR)
        left, right = "".join(f"【{m}】" for m in marks[:-1]), f"【{marks[-1]}】"
        pdf.cell(width, height, left, align="L", new_x="LMARGIN", new_y="TOP")
        pdf.cell(width, height, right, align="R", new_x="LMARGIN", new_y="TOP")
        pdf.set_text_color(0, 0, 0)
        pdf.set_xy(pdf.l_margin, y)
    pdf.set_font(FAMILY, size=title_size)
    pdf.cell(width, title_size * 0.6, title, align="C", new_x="LMARGIN", new_y="NEXT")
    if subtitle:
        pdf.set_font(FAMILY, size=12)
        pdf.cell(width, LINE, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap / 2)


def fields(pdf: FPDF, pairs: Sequence[tuple[str, str | None]], *, size: float = 12, label_width: float = 32,
           height: float = LINE) -> None:
    """Label-value lines (``编号：ZXXK-...``): the label in a column of ``label_width`` mm, the value
    wrapped in the rest; a missing value prints as a blank to fill in by hand."""
    width = pdf.epw
    pdf.set_font(FAMILY, size=size)
    for label, value in pairs:
        lines = wrap(pdf, "" if value is None else str(value), width - label_width) or [""]
        for i, line in enumerate(lines):
            pdf.cell(label_width, height, f"{label}：" if i == 0 else "", new_x="RIGHT", new_y="TOP")
            pdf.cell(width - label_width, height, line or ("_" * 20 if value in (None, "") else ""),
                     new_x="LMARGIN", new_y="NEXT")


def table(pdf: FPDF, headers: Sequence[str], rows: Sequence[Sequence[str | None]], *,
          widths: Sequence[float] | None = None, size: float = 11, row_height: float = LINE) -> None:
    """A ruled table: ``headers`` then ``rows``, column widths in proportion to ``widths`` (equal by
    default) across the page; a cell's text wrapped within its column (the row as tall as its
    tallest cell); a ``None`` or empty cell is left blank (to fill in by hand). The header is
    repeated at the top of a new page."""
    count = len(headers)
    weights = list(widths or [1] * count)
    total = sum(weights)
    cols = [pdf.epw * w / total for w in weights]
    pdf.set_font(FAMILY, size=size)
    pdf.set_line_width(0.2)

    def draw(cells, bold_fill: bool = False):
        wrapped = [wrap(pdf, "" if c is None else str(c), w - 2) for c, w in zip(cells, cols)]
        height = row_height * max(len(w) for w in wrapped)
        if pdf.get_y() + height > pdf.h - pdf.b_margin:
            pdf.add_page()
            if not bold_fill:
                draw(headers, True)
        x, y = pdf.l_margin, pdf.get_y()
        for lines, w in zip(wrapped, cols):
            pdf.rect(x, y, w, height, style="DF" if bold_fill else "D")
            for i, line in enumerate(lines):
                if line:
                    pdf.set_xy(x + 1, y + i * row_height)
                    pdf.cell(w - 2, row_height, line)
            x += w
        pdf.set_xy(pdf.l_margin, y + height)

    pdf.set_fill_color(235, 235, 235)
    draw(headers, True)
    for row in rows:
        draw(list(row) + [None] * (count - len(row)))


def signatures(pdf: FPDF, labels: Sequence[str], *, size: float = 12, gap: float = 6) -> None:
    """A line of signature blanks (``经办人签字：________``), side by side."""
    pdf.ln(gap)
    pdf.set_font(FAMILY, size=size)
    width = pdf.epw / max(len(labels), 1)
    for i, label in enumerate(labels):
        last = i == len(labels) - 1
        pdf.cell(width, LINE, f"{label}：__________", new_x="LMARGIN" if last else "RIGHT",
                 new_y="NEXT" if last else "TOP")


def cut_line(pdf: FPDF, label: str = "沿此线裁开") -> None:
    """A dashed line across the page to cut along (between two parts of one form), its label in the middle."""
    pdf.ln(4)
    y = pdf.get_y()
    pdf.set_dash_pattern(dash=2, gap=1.5)
    pdf.set_line_width(0.3)
    pdf.line(pdf.l_margin, y, pdf.l_margin + pdf.epw, y)
    pdf.set_dash_pattern()
    pdf.set_font(FAMILY, size=9)
    pdf.cell(pdf.epw, 5, label, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def as_file(pdf: FPDF, filename: str, utf8_filename: str) -> dict:
    """A finished document as it goes over RPC (:class:`PdfFileOut`): its bytes in base64, its file
    names (ASCII for old clients, UTF-8 for the rest) and its page count. The gateway serves it as
    ``application/pdf`` (``gateway.routes.printing._pdf``)."""
    data = output(pdf)
    return {"filename": filename, "utf8_filename": utf8_filename, "pages": pdf.pages_count,
            "content_base64": base64.b64encode(data).decode("ascii")}


class PdfFileOut(Schema):
    """A PDF over RPC: its bytes in base64, its names (ASCII and UTF-8) and page count."""
    filename = mf.String()
    utf8_filename = mf.String()
    pages = mf.Integer()
    content_base64 = mf.String()
