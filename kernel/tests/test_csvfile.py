"""kernel.csvfile: the CSV conventions of the reports and the bank files."""
from decimal import Decimal

import pytest

from kernel import csvfile


def test_written_for_excel_and_read_back():
    text = csvfile.text([["name", "amount", "note"], ["=SUM(A1)", Decimal("123.40"), None],
                         ["张伟, 李娜", Decimal("-5.00"), "two\nlines"]])
    assert text == 'name,amount,note\r\n\'=SUM(A1),123.40,\r\n"张伟, 李娜",-5.00,"two\nlines"\r\n'
    assert csvfile.encode(text)[:3] == b"\xef\xbb\xbf"
    assert csvfile.rows(csvfile.decode(csvfile.encode(text))) == [
        (1, ["name", "amount", "note"]), (2, ["'=SUM(A1)", "123.40", ""]), (4, ["张伟, 李娜", "-5.00", "two\nlines"])]


def test_blank_lines_are_skipped_and_line_numbers_kept():
    assert csvfile.rows("\ufeffa,b\n\n , \r\nc,d\n") == [(1, ["a", "b"]), (4, ["c", "d"])]


def test_the_same_content_has_one_fingerprint():
    crlf = "\ufeffa,b\r\n1,2\r\n"
    assert csvfile.fingerprint(crlf) == csvfile.fingerprint("a,b\n1,2\n") == csvfile.fingerprint("a,b\r1,2\r")
    assert csvfile.fingerprint(crlf) != csvfile.fingerprint("a,b\r\n1,3\r\n")


@pytest.mark.parametrize("data", [b"\xff\xfeitem", "中文".encode("gbk")])
def test_only_utf8_is_read(data):
    with pytest.raises(csvfile.CsvError):
        csvfile.decode(data)


def test_a_broken_quote_is_an_error_with_its_line():
    with pytest.raises(csvfile.CsvError) as exc:
        csvfile.rows('a,b\r\n"open,1\r\n')
    assert exc.value.line == 2
