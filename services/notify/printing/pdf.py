"""The A4 layout of a printed notice (door or board posting), drawn with the kernel's renderer
(:mod:`kernel.pdf`: fpdf2, the CJK font, wrapping): one page per notice -- the project's name as the
header, the notice's title, the unit, the date, the body wrapped, the footer line 物业服务中心 -- and
a batch is the same pages one after another, in the order given. The body is wrapped by
:func:`kernel.pdf.wrap` (between CJK characters, never inside a date or an amount, never before
closing punctuation)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fpdf import FPDF

from kernel import pdf as kpdf
from kernel.pdf import FAMILY, LINE, MARGIN, NO_LINE_START, wrap  # noqa: F401  (notify's names)

from . import fonts

FOOTER = "物业服务中心"


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
    title = notices[0].title if len(notices) == 1 else f"{notices[0].project_name} {len(notices)}"
    pdf = kpdf.document(title, font=font, compress=compress)
    for notice in notices:
        _page(pdf, notice)
    return kpdf.output(pdf)


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
    kpdf.paragraph(pdf, n.body, size=13, width=width, height=LINE + 1)
    pdf.ln(14)
    # the footer: who posts it, and the date again under it
    pdf.set_font(FAMILY, size=13)
    pdf.cell(width, LINE, f"{n.project_name}{FOOTER}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, LINE, n.on.strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月"),
             align="R", new_x="LMARGIN", new_y="NEXT")
