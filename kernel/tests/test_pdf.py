"""The kernel's PDF renderer (kernel/pdf.py), read back with kernel/pdftext.py: the CJK font
embedded, fields with blanks to fill in, a ruled table whose cells wrap and whose header repeats on a
new page, wrapping that never breaks a number, the RPC file form, and a compressed PDF read back."""
from __future__ import annotations

import base64

import pytest

from kernel import pdf, pdftext


def test_a_document_embeds_the_cjk_font_and_reads_back():
    doc = pdf.document("测试", compress=False)
    doc.add_page()
    pdf.heading(doc, "绿湖花园", "装修许可证", subtitle="存根联")
    pdf.fields(doc, [("编号", "ZXXK-20261124-0001"), ("管家", None)])
    pdf.signatures(doc, ["经办人", "业主签字"])
    pdf.cut_line(doc)
    data = pdf.output(doc)
    lines = pdftext.text(data)
    assert lines[:3] == ["绿湖花园", "装修许可证", "存根联"]
    assert "编号：" in lines and "ZXXK-20261124-0001" in lines
    assert "管家：" in lines and "_" * 20 in lines                 # a blank to fill in
    assert "经办人：__________" in lines and "沿此线裁开" in lines
    assert pdftext.fonts(data) and pdftext.pages(data) == 1


def test_marks_print_beside_the_title_and_take_no_line_of_their_own():
    """A status mark (已作废, 补打): the last at the right of the title's line, any before it at the left."""
    plain, marked = pdf.document("a", compress=False), pdf.document("b", compress=False)
    for doc, marks in ((plain, ()), (marked, ("已作废", "补打"))):
        doc.add_page()
        pdf.heading(doc, "绿湖花园", "物品放行条", subtitle="存根联", marks=marks)
    assert marked.get_y() == plain.get_y()                        # the same height as without marks
    lines = pdftext.text(pdf.output(marked))
    assert "【已作废】" in lines and "【补打】" in lines and "物品放行条" in lines
    single = pdf.document("c", compress=False)
    single.add_page()
    pdf.heading(single, "绿湖花园", "物品放行条", marks=("补打",))
    assert "【补打】" in pdftext.text(pdf.output(single))


def test_a_table_wraps_its_cells_and_repeats_its_header_on_a_new_page():
    doc = pdf.document("表", compress=False)
    doc.add_page()
    long = "楼梯扶手、栏杆牢固无松动" * 4
    pdf.table(doc, ["序号", "巡检项目", "结果"], [[str(i), long, None] for i in range(1, 31)], widths=[1, 6, 2])
    data = pdf.output(doc)
    lines = pdftext.text(data)
    assert pdftext.pages(data) > 1
    assert lines.count("巡检项目") == pdftext.pages(data)          # the header on every page
    cells = [line for line in lines if line and set(line) <= set(long)]
    assert "".join(cells) == long * 30 and max(len(c) for c in cells) < len(long)


def test_wrapping_keeps_a_number_whole_and_punctuation_off_a_line_start():
    doc = pdf.document("w", compress=False)
    doc.set_font(pdf.FAMILY, size=12)
    text = "请于 2027-01-23 前到服务中心缴纳，谢谢。" * 6
    lines = pdf.wrap(doc, text, 60)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(line[:1] not in pdf.NO_LINE_START for line in lines)
    assert all(("2027-01-23" in line) == ("2027" in line) for line in lines)


def test_the_rpc_form_of_a_file_and_a_served_pdf_read_back():
    doc = pdf.document("f")                                       # compressed, as served
    doc.add_page()
    pdf.paragraph(doc, "物品放行条 FX-20261124-0001")
    out = pdf.PdfFileOut().dump(pdf.as_file(doc, "pass.pdf", "物品放行条.pdf"))
    assert out["pages"] == 1 and out["filename"] == "pass.pdf" and out["utf8_filename"] == "物品放行条.pdf"
    data = base64.b64decode(out["content_base64"])
    assert "物品放行条 FX-20261124-0001" not in "".join(pdftext.text(data))
    assert pdftext.text(pdftext.inflate(data)) == ["物品放行条 FX-20261124-0001"]


def test_no_font_is_the_typed_error(tmp_path):
    with pytest.raises(pdf.CjkFontMissing) as missing:
        pdf.locate({}, candidates=((str(tmp_path / "none.ttc"), 0),))
    assert missing.value.code == "cjk_font_missing" and pdf.PACKAGE in missing.value.message
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font")
    with pytest.raises(pdf.CjkFontMissing, match="cannot be embedded"):
        pdf.document("x", font=pdf.FontFile(str(bogus)))
