"""The quotation (penawaran biaya) and the invoice (tagihan) as A4 PDFs, Indonesian first:
the certification body, the applicant, the product, each fee from the product's tariff
with its legal basis, the total in rupiah. Rendered once, in the transaction that makes
the quotation (submission) or the invoice (screening passed); the pages show the same
figures from the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from snicert import outputs, settings, snapshots
from snicert.certs.layout import GREY, INK
from snicert.db.models import Application, Invoice, Quotation
from snicert.messages import both, pair, text
from snicert.reports import HEAD_FILL, PAGE_W, SHADE, _Cell, _Pages, lspro_line
from snicert.templating import day


def rupiah(amount: int) -> str:
    """Rp 1.500.000 (Indonesian thousands separator)."""
    return "Rp " + f"{amount:,}".replace(",", ".")


def _pdf(app: Application, q: Quotation, inv: Invoice | None) -> bytes:
    what = pair("fee_invoice" if inv else "fee_quotation")
    number = inv.number if inv else q.number
    doc = _Pages(f"{what[0]} {number} - {app.number} - {settings.current().lspro_name}")
    doc.describe(
        f"{what[0]} / {what[1]} {number}",
        f"{app.number}: {snapshots.product(app).name.id}, {app.brand}",
        settings.current().lspro_name or "snicert",
    )
    doc.heading(what[0], what[1], 14)
    doc.para(lspro_line(), 9, "B", after=1.5)
    brand = text("doc_brand", "id")
    info: list[tuple[str, str]] = [
        (both("fee_invoice_no" if inv else "fee_quotation_no"), number),
        (both("doc_date"), settings.local_time(inv.issued_at if inv else q.issued_at)),
    ]
    if inv:
        info += [
            (both("fee_doc_quotation"), q.number),
            (both("fee_doc_due"), settings.local_time(inv.due_at).split(" ")[0]),
        ]
    info += [
        (both("doc_application"), app.number),
        (both("doc_business"), f"{app.business.name} (NIB {app.business.nib})"),
        (both("doc_address"), f"{app.business.address}, {app.business.city}"),
        (both("doc_product"), f"{snapshots.product(app).name.id}, {brand} {app.brand}"),
        (both("fee_doc_basis"), q.items["legal_basis"]["id"]),
    ]
    doc.table(
        (50, PAGE_W - 50),
        None,
        [[_Cell(k, "B", INK, HEAD_FILL), _Cell(v)] for k, v in info],
        size=7.5,
        after=3,
    )
    doc.heading(*pair("fee_doc_fees"))
    provisional = q.items["status"] == "provisional"
    fill = SHADE if provisional else None
    rows = [
        [
            _Cell(str(n), fill=fill),
            _Cell(f"{i['name']['id']}\n{i['name']['en']}", fill=fill),
            _Cell(rupiah(i["amount_idr"]), fill=fill),
        ]
        for n, i in enumerate(q.items["items"], 1)
    ]
    rows.append(
        [
            _Cell("", "B", INK, HEAD_FILL),
            _Cell(both("fee_doc_total"), "B", INK, HEAD_FILL),
            _Cell(rupiah(q.total_idr), "B", INK, HEAD_FILL),
        ]
    )
    head = [text("doc_no", "id"), both("fee_doc_item"), both("fee_doc_amount")]
    doc.table((10, PAGE_W - 50, 40), head, rows)
    if q.items.get("note"):
        doc.para(f"{q.items['note']['id']} / {q.items['note']['en']}", 7.5)
    if inv:
        to = settings.current()
        key = "fee_doc_pay_to" if to.payment_account else "fee_doc_pay_ask"
        for lang in ("id", "en"):  # where and how to pay, with the account or whom to ask
            said = text(
                key,
                lang,
                amount=rupiah(inv.total_idr),
                due=day(inv.due_at, lang),
                bank=to.payment_bank,
                account=to.payment_account,
                payee=to.payee,
                number=inv.number,
            )
            doc.para(said, 8)
        doc.para(both("fee_after_paying"), 8)
    if provisional:
        doc.para(both("fee_doc_provisional"), 7.5, "I", GREY)
    return bytes(doc.pdf.output())


def render_quotation(s: Session, app: Application, q: Quotation) -> Any:
    return outputs.write(
        s,
        f"quotation:{q.id}",
        "quotation_pdf",
        f"outputs/{app.number}/quotation-{q.number}.pdf",
        _pdf(app, q, None),
        "application/pdf",
    )


def render_invoice(s: Session, app: Application, q: Quotation, inv: Invoice) -> Any:
    return outputs.write(
        s,
        f"invoice:{inv.id}",
        "invoice_pdf",
        f"outputs/{app.number}/invoice-{inv.number}.pdf",
        _pdf(app, q, inv),
        "application/pdf",
    )
