"""Reading back what fpdf2 wrote, for tests (the PDFs of :mod:`kernel.pdf`: notify's notices, tickets'
printouts): the pages, the embedded fonts and the text of an uncompressed PDF (``compress=False``) --
through the font's ToUnicode map, as a PDF reader extracts text. Small on purpose: it reads fpdf2's own
output, nothing else."""
from __future__ import annotations

import re

_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f",
            ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}


def pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


def fonts(data: bytes) -> list[str]:
    """The fonts embedded as TrueType programs (``/FontFile2``), their subset tag stripped
    (``/BaseFont /MPDFAA+WenQuanYiMicroHei`` → ``WenQuanYiMicroHei``)."""
    if b"/FontFile2" not in data:
        return []
    return sorted({name.split(b"+")[-1].decode() for name in re.findall(rb"/BaseFont /(\S+)", data)})


def _cmap(data: bytes) -> dict[int, str]:
    out = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, start in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[code] = chr(int(start, 16) + i)
    return out


def _literal(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C and i + 1 < len(raw):
            nxt = raw[i + 1]
            if nxt in _ESCAPES:
                out += _ESCAPES[nxt]
                i += 2
                continue
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(), 8) & 0xFF)
                i += 1 + len(octal.group())
                continue
            i += 1
            continue
        out.append(c)
        i += 1
    return bytes(out)


def text(data: bytes) -> list[str]:
    """Each text-showing operation's text (one line of the page, or a part of it), in order."""
    cmap = _cmap(data)
    lines = []
    for block in re.findall(rb"BT (.*?) ET", data, re.S):
        strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)", block, re.S)
        if not strings:
            continue
        glyphs = b"".join(_literal(s) for s in strings)
        lines.append("".join(cmap.get(int.from_bytes(glyphs[i:i + 2], "big"), "?")
                             for i in range(0, len(glyphs) - 1, 2)))
    return lines


def inflate(data: bytes) -> bytes:
    """``data`` with its Flate-compressed streams inflated in place -- a PDF as served (compressed)
    made readable to :func:`text`, :func:`fonts` (an e2e test reads what the gateway answered)."""
    import zlib

    def one(match: re.Match) -> bytes:
        head, body = match.group(1), match.group(2)
        if b"/FlateDecode" not in head:
            return match.group(0)
        try:
            return head + b"stream\n" + zlib.decompress(body) + b"\nendstream"
        except zlib.error:
            return match.group(0)
    return re.sub(rb"(<<(?:(?!>>).)*?>>\s*)stream\r?\n(.*?)\r?\nendstream", one, data, flags=re.S)
