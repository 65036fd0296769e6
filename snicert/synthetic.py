"""Synthetic but realistic inputs for the demo and the tests: Kupang UMKM businesses,
dossier documents (real PDF and image files) and lab values that pass or fail."""

from __future__ import annotations

import io
import random
from decimal import Decimal
from typing import Any

from PIL import Image, ImageDraw

OWNERS = [
    "Maria Ndolu",
    "Yohanes Bessie",
    "Agustina Manafe",
    "Petrus Tallo",
    "Dorkas Lay",
    "Yakobus Fanggidae",
    "Ester Pellokila",
    "Markus Ratu",
    "Naomi Amalo",
    "Simon Nalle",
]
STREETS = [
    "Jl. El Tari",
    "Jl. Timor Raya",
    "Jl. Frans Seda",
    "Jl. Soeharto",
    "Jl. Adisucipto",
    "Jl. W.J. Lalamentik",
    "Jl. Cak Doko",
    "Jl. Herewila",
    "Jl. Perintis Kemerdekaan",
]
KELURAHAN = [
    "Oebobo",
    "Kelapa Lima",
    "Oesapa",
    "Naikoten",
    "Fatululi",
    "Bakunase",
    "Liliba",
    "Penfui",
    "Oepura",
    "Nunbaun Sabu",
]
# Brands and photo colours of the shipped products; any other product in the catalog gets
# brands from its name and a neutral colour (a product is data: nothing here must list it).
BRANDS = {
    "abon": ["Abon Sei Kupang", "Abon Ikan Tongkol Oesapa", "Abon Sapi Timor"],
    "emping": ["Emping Melinjo Nusa", "Emping Flobamora", "Emping Lontar"],
    "tenun_ikat": ["Tenun Ina Ndao", "Ikat Sumba Kupang", "Tenun Rote Indah"],
    "sasando": ["Sasando Rote Ndao", "Sasando Biola Kupang", "Sasando Lontar Emas"],
}
PLACES = ["Kupang", "Timor", "Flobamora"]
COLOURS = {
    "abon": (150, 90, 40),
    "emping": (225, 200, 140),
    "tenun_ikat": (120, 30, 40),
    "sasando": (180, 140, 80),
}


def _word(product: str) -> str:
    """The product's short name (its catalog name's first word): 'Abon', 'Kopi'."""
    from snicert.catalog import default_catalog

    return default_catalog().product(product).name.id.split()[0]


def brands(product: str) -> list[str]:
    return BRANDS.get(product) or [f"{_word(product)} {place}" for place in PLACES]


def business(product: str, n: int, rng: random.Random) -> dict[str, str]:
    """A Kupang-like UMKM with a valid-looking 13-digit NIB, unique per (product, n)."""
    from snicert.catalog import default_catalog

    owner = OWNERS[(n + len(product)) % len(OWNERS)]
    kel = KELURAHAN[n % len(KELURAHAN)]
    product_no = sorted(default_catalog().products).index(product)
    nib = f"91{product_no:02d}{n:05d}{rng.randrange(10**4):04d}"
    names = brands(product)
    return {
        "business_name": f"UMKM {_word(product)} {owner.split()[-1]} {n + 1}",
        "nib": nib,
        "address": f"{rng.choice(STREETS)} No. {rng.randrange(1, 200)}, Kel. {kel}",
        "name": owner,
        "email": f"{product}.{n + 1}@umkm.kupang.example",
        "phone": f"+62 812 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}",
        "brand": names[n % len(names)],
    }


def pdf(title: str, lines: list[str] | None = None) -> bytes:
    """A small real PDF (one A4 page of text)."""
    text = [title, *(lines or [])]
    ops = ["BT", "/F1 14 Tf", "50 790 Td"]
    for i, line in enumerate(text):
        safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({safe}) Tj" if i == 0 else f"0 -20 Td ({safe}) Tj")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def photo(product: str, label: str, seed: int = 0, fmt: str = "JPEG") -> bytes:
    """A product photo: a drawn picture of the product with its label."""
    rng = random.Random(seed)
    base = COLOURS.get(product, (120, 120, 120))
    img = Image.new("RGB", (640, 480), (245, 240, 230))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        shade = tuple(max(0, min(255, c + rng.randrange(-30, 30))) for c in base)
        x, y = rng.randrange(40, 520), rng.randrange(60, 360)
        draw.ellipse([x, y, x + rng.randrange(40, 120), y + rng.randrange(30, 90)], fill=shade)
    draw.rectangle([0, 420, 640, 480], fill=(30, 60, 110))
    draw.text((20, 440), label[:70], fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, fmt, quality=80)
    return out.getvalue()


def document(
    spec: dict[str, Any], product: str, business_name: str, seed: int = 0
) -> tuple[str, bytes]:
    """A file for one of the product's document requirements, in an accepted type."""
    if "pdf" in spec["file_types"]:
        return f"{spec['id']}.pdf", pdf(spec["name"]["id"], [business_name, spec["name"]["en"]])
    fmt, ext = (
        ("PNG", "png")
        if "png" in spec["file_types"] and "jpg" not in spec["file_types"]
        else ("JPEG", "jpg")
    )
    return f"{spec['id']}.{ext}", photo(
        product, f"{business_name} - {spec['name']['id']}", seed, fmt
    )


def payment_proof(invoice_number: str, amount_idr: int, payer: str) -> tuple[str, bytes]:
    """A bank transfer slip for an invoice (PDF), as an applicant would upload it."""
    amount = "Rp " + f"{amount_idr:,}".replace(",", ".")
    return f"bukti-bayar-{invoice_number}.pdf", pdf(
        "Bukti transfer / Transfer slip",
        [payer, f"Tagihan {invoice_number}", f"Jumlah {amount}", "Bank NTT, Kota Kupang"],
    )


def passing_value(param: dict[str, Any]) -> str:
    """A result that meets the parameter's requirement."""
    req = param["requirement"]
    kind = req["kind"]
    if kind == "max":
        return _num(Decimal(str(req["max"])) * Decimal("0.6"))
    if kind == "min":
        return _num(Decimal(str(req["min"])) * Decimal("1.2") + 1)
    if kind == "range":
        lo, hi = Decimal(str(req["min"])), Decimal(str(req["max"]))
        return _num((lo + hi) / 2)
    if kind == "equals":
        return str(req["value"])
    if kind == "one_of":
        return str(req["values"][0])
    return {"negative": "negatif", "sensory_normal": "normal", "pass_fail": "lulus"}[kind]


def failing_value(param: dict[str, Any]) -> str:
    """A result that does not meet the parameter's requirement."""
    req = param["requirement"]
    kind = req["kind"]
    if kind in ("max", "range"):
        return _num(Decimal(str(req["max"])) * 2 + 1)
    if kind == "min":
        return _num(Decimal(str(req["min"])) / 2)
    if kind == "equals":
        return "0" if str(req["value"]) != "0" else "1"
    if kind == "one_of":
        return "lainnya"
    return {"negative": "positif", "sensory_normal": "tidak normal", "pass_fail": "gagal"}[kind]


def _num(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    if "." in text and len(text.split(".")[1]) == 3:
        # 1.225 reads as 1225 with a thousands separator too (judgment refuses it)
        text += "0"
    return text


# A made-up certification body for the demo, tests and benchmarks (settings names).
SURVEY_COMMENTS = (
    "Petugas ramah dan menjelaskan persyaratan dengan jelas.",
    "Mohon waktu pengujian di laboratorium dipercepat.",
    "Formulir daring mudah dipakai dari telepon.",
)


def survey_scores(rng: random.Random, refused: bool = False) -> dict[str, int]:
    """Scores 1-4 for every element of the satisfaction survey (SKM): mostly 3s and 4s,
    lower after a refusal."""
    from snicert import survey

    weights = [1, 3, 5, 2] if refused else [0, 1, 5, 4]
    return {e.id: rng.choices([1, 2, 3, 4], weights)[0] for e in survey.questionnaire().elements}


IDENTITY = {
    "lspro_name": "LSPro Dinas Perindustrian Kota Kupang (contoh / demo)",
    "lspro_address": "Jl. S.K. Lerik, Kelapa Lima, Kota Kupang, Nusa Tenggara Timur",
    "lspro_accreditation": "LSPr-099-IDN",
    "signatory_name": "Maria Fernandez, S.T., M.Si.",
    "signatory_title": "Kepala LSPro",
    "lab_name": "UPTD Laboratorium Pengujian Mutu Kota Kupang (contoh / demo)",
    "lab_accreditation": "LP-099-IDN",
}


def certificate_data(**changes: Any) -> dict[str, Any]:
    """The signed data of one sample abon certificate (tests and bench/)."""
    data: dict[str, Any] = {
        "number": "SNI-ABN-2026-0001",
        "holder": {
            "name": "UMKM Abon Lay 1",
            "nib": "9100000005305",
            "address": "Jl. Frans Seda No. 102, Kel. Oebobo",
            "city": "Kota Kupang",
            "province": "Nusa Tenggara Timur",
        },
        "production_site": "Kel. Oebobo, Kota Kupang",
        "brand": "Abon Sei Kupang",
        "product": {
            "code": "abon",
            "name": {"id": "Abon", "en": "Meat and fish floss (abon)"},
            "variants": "Abon sapi, abon ikan tongkol",
        },
        "standards": [
            {"number": "SNI 01-3707-1995", "title": "Abon"},
            {"number": "SNI 7690:2019", "title": "Abon ikan, krustasea atau moluska"},
        ],
        "scheme": "5",
        "scope": {
            "id": "Abon daging dan abon ikan produksi UMKM Kota Kupang dalam kemasan "
            "eceran tertutup, siap dikonsumsi.",
            "en": "Meat and fish floss made by Kota Kupang micro and small enterprises, "
            "in closed retail packs, ready to eat.",
        },
        "issued_at": "2026-11-24T03:40:50.662939+00:00",
        "valid_until": "2030-11-24T03:40:50.662939+00:00",
        "checklist": {"product": "abon", "version": 1},
        "evaluation_id": 1,
        "application": "APP-2026-00001",
        "certification_body": {
            "name": IDENTITY["lspro_name"],
            "address": IDENTITY["lspro_address"],
            "accreditation": IDENTITY["lspro_accreditation"],
            "signatory": {"name": IDENTITY["signatory_name"], "title": IDENTITY["signatory_title"]},
        },
    }
    data.update(changes)
    return data
