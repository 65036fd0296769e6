"""Time to render sample labels: one label PNG (95 x 45 mm, 300 dpi) and the A4 sheet of
an abon case (14 labels: a sealed bag and 6 units for each of 2 samples, 2 pages).

Both are rendered on request (the sampling page's links): each must fit a page's budget.
Targets: <= 100 ms per label PNG, <= 150 ms per sheet (median).
Usage: python bench/sample_labels.py [ITERATIONS]   (default 30)
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from snicert.labels import Label, _qr, label_sheet, sample_label

LSPRO = "LSPro Dinas Perindustrian dan Perdagangan Provinsi Nusa Tenggara Timur"


def labels() -> list[Label]:
    out = []
    for seq, purpose in ((1, "test"), (2, "retained")):
        code = f"APP-2026-00001-S{seq}"
        base = (code, LSPRO, "Abon daging sapi · Merek Abon", "APP-2026-00001", purpose, 6)
        out.append(Label(*base, "250 g", "2026-11-29 14:05 WITA", f"SEGEL-{seq}"))
        out += [Label(*base, "250 g", None, None, unit) for unit in range(1, 7)]
    return out


def median_ms(fn: Callable[[], Any], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(n: int) -> int:
    items = labels()
    sample_label(items[0])  # warm: fonts

    def cold(fn: Callable[[], Any]) -> Callable[[], Any]:
        # a case's first request: its codes' QR matrices not yet computed
        return lambda: (_qr.cache_clear(), fn())

    png = median_ms(cold(lambda: sample_label(items[0])), n)
    pdf = median_ms(cold(lambda: label_sheet(items, "APP-2026-00001")), n)
    size_png, size_pdf = len(sample_label(items[0])), len(label_sheet(items))
    print(f"label PNG      median {png:6.1f} ms  ({size_png / 1024:.0f} KB)  target <= 100 ms")
    print(f"sheet, 14 lbl  median {pdf:6.1f} ms  ({size_pdf / 1024:.0f} KB)  target <= 150 ms")
    return 0 if png <= 100 and pdf <= 150 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
