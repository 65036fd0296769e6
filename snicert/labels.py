"""Sample labels: one label drawn twice, on a PNG (one label) and on an A4 PDF sheet of
labels with cut lines that the sampling officer prints before sealing.

A label carries the LSPro's name, the product, the application number, the sample code
(bold, beside the QR, never under it), what the sample is for, the amount as units x
amount ("6 × 250 g", from the sampling plan), the date taken (WITA) and the seal number
once the sampler has recorded them (a line to write on until then), and a standard QR
code of the sample code: never a Micro QR, which most phone cameras cannot read, with
its full 4-module quiet zone.

Coordinates are millimetres from the label's top-left corner; text sits on its baseline
(certs.layout's canvases, shared with the certificates).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from snicert.certs.layout import A4, GREY, INK, PT, PdfCanvas, PngCanvas, pdf_safe, qr_matrix
from snicert.messages import both, pair

SIZE_MM = (95.0, 45.0)  # one label; two columns of six on an A4 sheet
DPI = 300  # the PNG: 1122 x 531 pixels, about 10 pixels per QR module
PAD = 3.5
QR_MM = 30.0  # the symbol with its quiet zone: about 0.9 mm per module for a sample code
SHEET_COLS, SHEET_ROWS = 2, 6
SHEET_X = (A4[0] - SHEET_COLS * SIZE_MM[0]) / 2
SHEET_Y = (A4[1] - SHEET_ROWS * SIZE_MM[1]) / 2
CUT = (150, 150, 150)
BLANK = "________________"  # written by hand when the label is printed before sampling

PURPOSE = {"test": "lbl_purpose_test", "retained": "lbl_purpose_retained"}  # catalog keys


@dataclass(frozen=True)
class Label:
    """What one label shows; `unit` numbers a label of a sample's units (3 of 6)."""

    code: str
    lspro: str
    product: str
    application: str
    purpose: str
    units: int
    amount: str | None
    taken: str | None  # local time, labelled (WITA), once the sample was taken
    seal: str | None
    unit: int | None = None

    @property
    def quantity(self) -> str:
        """Units × amount, as the sampling plan asks ("6 × 250 g"); units alone when the
        plan gives no amount per unit ("1 unit")."""
        if self.amount:
            return f"{self.units} \u00d7 {self.amount}"
        return f"{self.units} unit"


def _fit(c, text: str, width: float, size: float, style: str = "") -> str:
    """The text cut with an ellipsis to the width (a label has no room for a third line)."""
    if c.width(text, size, style) <= width:
        return text
    while text and c.width(text + "\u2026", size, style) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026"


def _lines(c, text: str, width: float, size: float, style: str, most: int) -> list[str]:
    """Greedy word wrap to at most `most` lines, the last one cut to fit."""
    words, lines, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if current and c.width(trial, size, style) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    if len(lines) > most:
        lines = lines[: most - 1] + [" ".join(lines[most - 1 :])]
    return [_fit(c, x, width, size, style) for x in lines]


@lru_cache(maxsize=512)
def _qr(code: str) -> tuple[bytes, ...]:
    # A sheet repeats each sample's code on 7 labels; choosing the mask is most of segno's
    # time (measured: a 14-label sheet 165 -> ~90 ms with the matrix computed once).
    return tuple(qr_matrix(code))


def qr_box() -> tuple[float, float, float]:
    """Where the QR symbol (with its quiet zone) sits on a label: x, y and size in mm."""
    rule = PAD + 9 * PT + 0.6  # under the body's name
    return SIZE_MM[0] - PAD - QR_MM + 1.5, rule + 0.8, QR_MM


def draw(c, x: float, y: float, label: Label) -> None:
    """One label with its top-left corner at (x, y) mm on the canvas."""
    w, h = SIZE_MM
    inner = w - 2 * PAD
    top = y + PAD
    # the body's name across the whole width, above everything else
    c.text(x + PAD, top + 7 * PT, _fit(c, label.lspro, inner, 7, "B"), 7, "B", GREY)
    rule = top + 9 * PT + 0.6
    c.line(x + PAD, rule, x + w - PAD, rule, GREY, 0.2)
    # the QR at the right, below the rule (its blank quiet zone may reach into the
    # padding); the text column stops half a millimetre before it
    bx, by, size = qr_box()
    qr_x = x + bx
    c.qr(list(_qr(label.code)), qr_x, y + by, size)
    col = qr_x - (x + PAD) - 0.5
    tx, ty = x + PAD, rule + 0.6
    size = 11.0
    while size > 7 and c.width(label.code, size, "B") > col:
        size -= 0.5
    ty += size * PT + 0.4
    c.text(tx, ty, _fit(c, label.code, col, size, "B"), size, "B", INK)
    for line in _lines(c, label.product, col, 8.5, "B", 2):
        ty += 8.5 * PT + 0.6
        c.text(tx, ty, line, 8.5, "B", INK)
    rows = [
        ("lbl_doc_application", label.application),
        ("", both(PURPOSE[label.purpose]) if label.purpose in PURPOSE else label.purpose),
        ("lbl_doc_amount", label.quantity),
    ]
    if label.unit is not None:
        rows.append(("lbl_doc_unit", f"{label.unit} {both('lbl_doc_of')} {label.units}"))
    rows += [("lbl_doc_taken", label.taken or BLANK), ("lbl_doc_seal", label.seal or BLANK)]
    ty += 1.0
    for key, value in rows:
        ty += 7.5 * PT + 0.85
        if not key:
            c.text(tx, ty, _fit(c, value, col, 7.5, "I"), 7.5, "I", INK)
            continue
        # Indonesian and English when the value still fits whole, else Indonesian only
        name_id, name_en = pair(key)
        lead = f"{name_id} / {name_en}: "
        if c.width(lead, 7.5) + c.width(value, 7.5, "B") > col:
            lead = f"{name_id}: "
        c.text(tx, ty, lead, 7.5, "", GREY)
        room = col - c.width(lead, 7.5)
        c.text(tx + c.width(lead, 7.5), ty, _fit(c, value, room, 7.5, "B"), 7.5, "B", INK)


def sample_label(label: Label) -> bytes:
    """One label as a PNG at 300 dpi (its own frame: cut along it)."""
    c = PngCanvas(SIZE_MM, DPI)
    draw(c, 0, 0, label)
    c.rect(0.2, 0.2, SIZE_MM[0] - 0.4, SIZE_MM[1] - 0.4, stroke=CUT, lw=0.3)
    return c.png()


def label_sheet(labels: list[Label], title: str = "") -> bytes:
    """A4 sheets, twelve labels each (two columns of six), with dashed cut lines between
    them and along the edges; the caption under the labels says which case it is."""
    c = PdfCanvas(A4)
    pdf = c.pdf
    pdf.set_title(pdf_safe(title or both("lbl_doc_sheet")))
    pdf.set_creator("snicert")
    per_page = SHEET_COLS * SHEET_ROWS
    pages = max(1, -(-len(labels) // per_page))
    for page in range(pages):
        if page:
            pdf.add_page()
        chunk = labels[page * per_page : (page + 1) * per_page]
        for i, label in enumerate(chunk):
            col, row = i % SHEET_COLS, i // SHEET_COLS
            draw(c, SHEET_X + col * SIZE_MM[0], SHEET_Y + row * SIZE_MM[1], label)
        rows = -(-len(chunk) // SHEET_COLS) if chunk else 0
        _cut_lines(c, rows, cols=SHEET_COLS if len(chunk) > 1 else 1)
        foot = f"{title}  \u2014  {both('lbl_doc_page')} {page + 1} / {pages}" if title else ""
        c.text(SHEET_X, A4[1] - SHEET_Y / 2, foot, 7, "", GREY)
        c.text(
            A4[0] - SHEET_X,
            A4[1] - SHEET_Y / 2,
            both("lbl_doc_cut"),
            7,
            "",
            GREY,
            align="R",
        )
    return bytes(pdf.output())


def _cut_lines(c: PdfCanvas, rows: int, cols: int) -> None:
    if not rows:
        return
    pdf = c.pdf
    x0, y0 = SHEET_X, SHEET_Y
    x1, y1 = x0 + cols * SIZE_MM[0], y0 + rows * SIZE_MM[1]
    pdf.set_dash_pattern(dash=2, gap=1.5)
    for r in range(rows + 1):
        c.line(x0, y0 + r * SIZE_MM[1], x1, y0 + r * SIZE_MM[1], CUT, 0.25)
    for k in range(cols + 1):
        c.line(x0 + k * SIZE_MM[0], y0, x0 + k * SIZE_MM[0], y1, CUT, 0.25)
    pdf.set_dash_pattern()
