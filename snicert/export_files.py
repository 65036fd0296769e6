"""The BSN export (snicert/services/bsn_export.py) as a file: CSV, XLSX or JSON.

One header of field names for every format (the records' fields, as documented in the
JSON Schema docs/bsn-export.schema.json and the README); dates as YYYY-MM-DD, an empty
cell for none. CSV is UTF-8 with a BOM (spreadsheets then read the Indonesian text
right). The workbook has the records on its first sheet and, on a second, the period, the
certification body and what each column means (Indonesian and English).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import date
from itertools import chain, islice
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from snicert import settings
from snicert.messages import both, has, text
from snicert.services.bsn_export import RECORDS, BsnExport, Prepared

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
BATCH = 500  # records per piece of a streamed CSV or JSON file


def filename(export: BsnExport | Prepared, fmt: str) -> str:
    e = export.envelope if isinstance(export, Prepared) else export.root
    return f"bsn-{e.kind}-{e.period.from_.isoformat()}_{e.period.to.isoformat()}.{fmt}"


def render(export: BsnExport, fmt: str) -> bytes:
    """A whole export (in memory) as one file."""
    e = export.root
    envelope = e.model_copy(update={"records": []})
    return b"".join(_chunks(envelope, iter(e.records), fmt))


def stream(prepared: Prepared) -> Iterator[bytes]:
    """The file of a prepared export, piece by piece as its records are read: CSV and
    JSON a few hundred records at a time; the workbook is written row by row to a
    temporary file (openpyxl's write-only mode), then sent from it."""
    return _chunks(prepared.envelope, prepared.records, prepared.query.format)


def _chunks(envelope: Any, records: Iterator[Any], fmt: str) -> Iterator[bytes]:
    if fmt == "json":
        return _json(envelope, records)
    if fmt == "csv":
        return _csv(envelope.kind, records)
    if fmt == "xlsx":
        return _xlsx(envelope, records)
    raise ValueError(f"unknown format {fmt!r}")


def _fields(kind: str) -> list[str]:
    return list(RECORDS[kind].model_fields)


def _rows(kind: str, records: Iterator[Any]) -> Iterator[list[Any]]:
    names = _fields(kind)
    for r in records:
        yield [getattr(r, n) for n in names]


def _batches(records: Iterator[Any]) -> Iterator[list[Any]]:
    while batch := list(islice(records, BATCH)):
        yield batch


def _json(envelope: Any, records: Iterator[Any]) -> Iterator[bytes]:
    """The envelope as pydantic writes it, its empty record list filled in as it goes."""
    text = BsnExport(envelope).model_dump_json(by_alias=True, indent=2)
    marker = '"records": []'
    head, tail = text.split(marker)
    yield (head + '"records": [').encode("utf-8")
    first = True
    for batch in _batches(records):
        parts = []
        for r in batch:
            body = r.model_dump_json(by_alias=True, indent=2).replace("\n", "\n    ")
            parts.append(("\n    " if first else ",\n    ") + body)
            first = False
        yield "".join(parts).encode("utf-8")
    yield (("\n  ]" if not first else "]") + tail + "\n").encode("utf-8")


def _csv(kind: str, records: Iterator[Any]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_fields(kind))
    yield ("\ufeff" + out.getvalue()).encode("utf-8")
    for batch in _batches(_rows(kind, records)):
        out.seek(0)
        out.truncate()
        for row in batch:
            writer.writerow(
                ["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row]
            )
        yield out.getvalue().encode("utf-8")


def _xlsx(e: Any, records: Iterator[Any]) -> Iterator[bytes]:
    wb = Workbook(write_only=True)
    data = wb.create_sheet(text(f"export_sheet_{e.kind}", "id"))
    names = _fields(e.kind)
    data.freeze_panes = "A2"
    bold = Font(bold=True)
    widths = {n: max(12, len(n) + 2) for n in names}
    rows = _rows(e.kind, records)
    first = list(islice(rows, 200))  # column widths from the first rows: enough to read them
    for row in first:
        for n, v in zip(names, row, strict=True):
            widths[n] = min(60, max(widths[n], len(str(v or "")) + 2))
    for i, n in enumerate(names, start=1):
        data.column_dimensions[get_column_letter(i)].width = widths[n]
    header = []
    for n in names:
        cell = _cell(data, n)
        cell.font = bold
        header.append(cell)
    data.append(header)
    date_cells = {i for i, n in enumerate(names) if _is_date(e.kind, n)}
    written = 0
    for row in chain(first, rows):
        data.append(
            [
                _date_cell(data, v) if i in date_cells and v is not None else v
                for i, v in enumerate(row)
            ]
        )
        written += 1
    data.auto_filter.ref = f"A1:{get_column_letter(len(names))}{written + 1}"

    about = wb.create_sheet(text("export_sheet_about", "id"))
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 70
    about.column_dimensions["C"].width = 70
    zone = settings.current().zone
    for label, value in (
        (both(f"export_title_{e.kind}"), ""),
        (both("export_lspro"), f"{e.lspro_name} ({e.lspro_accreditation})"),
        (
            both("export_period"),
            f"{e.period.from_.isoformat()} – {e.period.to.isoformat()} ({e.period.timezone})",
        ),
        (both("export_generated"), e.generated_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")),
        (both("export_count"), e.count),
    ):
        about.append([_bold(about, label), value])
    about.append([])
    about.append([_bold(about, n) for n in (both("export_field"), "Keterangan", "Description")])
    model = RECORDS[e.kind]
    for n in names:
        about.append(
            [
                n,
                text(f"export_field_{n}", "id") if has(f"export_field_{n}") else "",
                model.model_fields[n].description,
            ]
        )
    with tempfile.TemporaryFile() as out:
        wb.save(out)
        out.seek(0)
        while chunk := out.read(1 << 16):
            yield chunk


def _is_date(kind: str, name: str) -> bool:
    annotation = RECORDS[kind].model_fields[name].annotation
    return annotation in (date, date | None)


def _cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    return WriteOnlyCell(sheet, value=value)


def _bold(sheet: Any, value: Any) -> Any:
    cell = _cell(sheet, value)
    cell.font = Font(bold=True)
    return cell


def _date_cell(sheet: Any, value: date) -> Any:
    cell = _cell(sheet, value)
    cell.number_format = "yyyy-mm-dd"
    return cell
