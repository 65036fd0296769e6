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
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from snicert import settings
from snicert.services.bsn_export import RECORDS, BsnExport
from snicert.web.i18n import TEXT

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def filename(export: BsnExport, fmt: str) -> str:
    e = export.root
    return f"bsn-{e.kind}-{e.period.from_.isoformat()}_{e.period.to.isoformat()}.{fmt}"


def render(export: BsnExport, fmt: str) -> bytes:
    if fmt == "json":
        return (export.model_dump_json(by_alias=True, indent=2) + "\n").encode("utf-8")
    if fmt == "csv":
        return _csv(export)
    if fmt == "xlsx":
        return _xlsx(export)
    raise ValueError(f"unknown format {fmt!r}")


def _fields(export: BsnExport) -> list[str]:
    return list(RECORDS[export.root.kind].model_fields)


def _rows(export: BsnExport) -> list[list[Any]]:
    names = _fields(export)
    return [[getattr(r, n) for n in names] for r in export.root.records]


def _csv(export: BsnExport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_fields(export))
    for row in _rows(export):
        writer.writerow(
            ["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _t(key: str) -> str:
    return f"{TEXT[key]['id']} / {TEXT[key]['en']}"


def _xlsx(export: BsnExport) -> bytes:
    e = export.root
    wb = Workbook(write_only=True)
    data = wb.create_sheet(TEXT[f"export_sheet_{e.kind}"]["id"])
    names = _fields(export)
    data.freeze_panes = "A2"
    bold = Font(bold=True)
    widths = {n: max(12, len(n) + 2) for n in names}
    rows = _rows(export)
    for row in rows[:200]:  # column widths from the first rows: enough to read them
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
    for row in rows:
        data.append(
            [
                _date_cell(data, v) if i in date_cells and v is not None else v
                for i, v in enumerate(row)
            ]
        )
    data.auto_filter.ref = f"A1:{get_column_letter(len(names))}{len(rows) + 1}"

    about = wb.create_sheet(TEXT["export_sheet_about"]["id"])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 70
    about.column_dimensions["C"].width = 70
    zone = settings.current().zone
    for label, value in (
        (_t(f"export_title_{e.kind}"), ""),
        (_t("export_lspro"), f"{e.lspro_name} ({e.lspro_accreditation})"),
        (
            _t("export_period"),
            f"{e.period.from_.isoformat()} – {e.period.to.isoformat()} ({e.period.timezone})",
        ),
        (_t("export_generated"), e.generated_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")),
        (_t("export_count"), e.count),
    ):
        about.append([_bold(about, label), value])
    about.append([])
    about.append([_bold(about, n) for n in (_t("export_field"), "Keterangan", "Description")])
    model = RECORDS[e.kind]
    for n in names:
        about.append(
            [n, TEXT.get(f"export_field_{n}", {}).get("id", ""), model.model_fields[n].description]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


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
