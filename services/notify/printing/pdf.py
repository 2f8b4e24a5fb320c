"""The A4 layout of a printed notice (door or board posting) with fpdf2 and the CJK font of
:mod:`.fonts`: one page per notice -- the project's name as the header, the notice's title, the
unit, the date, the body wrapped, the footer line 物业服务中心 -- and a batch is
the same pages one after another, in the order given. The body is wrapped here (:func:`wrap`:
between CJK characters, never inside a date or an amount, never before closing punctuation)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fpdf import FPDF

from ..exceptions import CjkFontMissing
from . import fonts

FAMILY = "wuye-cjk"
FOOTER = "物业服务中心"
#: A4, millimetres
MARGIN, LINE = 20, 8
#: never at the start of a line (禁则): kept at the end of the line before, in the right margin
NO_LINE_START = set("，。、；：？！）》」』】〕〉”’%,.;:?!)]}")
#: a run of ASCII (a date, an amount, a unit number) is not broken; CJK text breaks between characters
_TOKENS = re.compile(r"[!-~]+|\s|.")


@dataclass(frozen=True)
class PrintedNotice:
    project_name: str
    title: str                     # 催费通知书 / 二次催费通知书 / 最后催费通知书 ...
    unit_label: str | None
    body: str                      # the text notify rendered for the print channel
    on: date                       # the notice's date at the site


def render(notices: list[PrintedNotice], *, font: fonts.FontFile | None = None, compress: bool = True) -> bytes:
    """The PDF of ``notices``, one A4 page each. ``compress=False`` leaves the streams readable
    (tests look at the text and the embedded font)."""
    if not notices:
        raise ValueError("a PDF of no notices")
    font = font or fonts.locate()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_compression(compress)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.set_creator("Wuye")
    pdf.set_title(notices[0].title if len(notices) == 1 else f"{notices[0].project_name} {len(notices)}")
    try:
        pdf.add_font(FAMILY, fname=font.path, collection_font_number=font.collection_index)
    except Exception as exc:     # not a font fpdf2 can embed (a wrong WUYE_CJK_FONT)
        raise CjkFontMissing(f"the CJK font {font.path} cannot be embedded ({exc.__class__.__name__}: {exc}); "
                             f"set {fonts.ENV} to a TrueType font (.ttf/.ttc) or install {fonts.PACKAGE}") from exc
    for notice in notices:
        _page(pdf, notice)
    return bytes(pdf.output())


def _page(pdf: FPDF, n: PrintedNotice) -> None:
    pdf.add_page()
    width = pdf.epw
    # header: the project, a rule under it
    pdf.set_font(FAMILY, size=14)
    pdf.cell(width, LINE, n.project_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_line_width(0.4)
    pdf.line(MARGIN, pdf.get_y() + 1, MARGIN + width, pdf.get_y() + 1)
    pdf.ln(8)
    # the title, then the unit and the date on one line
    pdf.set_font(FAMILY, size=22)
    pdf.cell(width, 14, n.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FAMILY, size=12)
    if n.unit_label:
        pdf.cell(width / 2, LINE, f"房号：{n.unit_label}", new_x="RIGHT", new_y="TOP")
        pdf.cell(width / 2, LINE, f"日期：{n.on.isoformat()}", align="R", new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.cell(width, LINE, f"日期：{n.on.isoformat()}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    # the body: each paragraph wrapped to the width (CJK text has no spaces: between characters)
    pdf.set_font(FAMILY, size=13)
    for paragraph in n.body.splitlines() or [""]:
        for line in wrap(pdf, paragraph, width):
            # a cell, not a multi_cell: a hanging mark may go a little into the right margin
            pdf.cell(width, LINE + 1, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(14)
    # the footer: who posts it, and the date again under it
    pdf.set_font(FAMILY, size=13)
    pdf.cell(width, LINE, f"{n.project_name}{FOOTER}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, LINE, n.on.strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月"),
             align="R", new_x="LMARGIN", new_y="NEXT")


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
