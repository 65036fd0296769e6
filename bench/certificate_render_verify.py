"""Time to render one certificate and to verify one certificate file.

Render: sign + QR + HTML + vector A4 PDF + A4 PNG (1240 x 1754, 150 dpi) + label PNG and
label HTML, i.e. snicert.certs.render_certificate (a synthetic product photo, JPEG 640x480).
Verify: snicert.certs.verify_file on the bytes of each form (reads only the embedded
credential: no pixels, no page content).

Targets: <= 100 ms per certificate, <= 5 ms per verification (median).
Usage: python bench/certificate_render_verify.py [ITERATIONS]   (default 50)
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from snicert import synthetic
from snicert.certs import KeyPair, layout, render, render_certificate, verify_file
from snicert.certs.credential import sign_certificate, verify_url
from snicert.certs.embed import credential_json

DATA = synthetic.certificate_data()
NOW = datetime(2027, 6, 1, tzinfo=UTC)


def median_ms(fn: Callable[[], Any], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(n: int) -> int:
    key = KeyPair.generate()
    known = {key.kid: key.private.public_key()}
    photo = synthetic.photo("abon", "Abon Sei Kupang", 1)
    counter = iter(range(10**9))

    def one() -> render.Rendered:  # a new number each time: nothing is cached between them
        return render_certificate(
            {**DATA, "number": f"SNI-ABN-2026-{next(counter) % 10000:04d}"}, photo, key
        )

    rendered = one()  # warm-up: fonts, templates, imports
    total = median_ms(one, n)
    print(
        f"render one certificate (sign, QR, HTML, PDF, PNG, label): median {total:6.1f} ms "
        f"over {n}  (target <= 100 ms)"
    )

    # where the time goes
    vc = sign_certificate(DATA, key)
    text = credential_json(vc, None)
    url = verify_url(DATA["number"])
    m = layout.model(DATA, key.kid, url, "LSPro")
    pic = layout.prepare_photo(photo)
    qr = layout.qr_matrix(url)
    parts = {
        "sign": lambda: sign_certificate(DATA, key),
        "photo": lambda: layout.prepare_photo(photo),
        "qr": lambda: layout.qr_matrix(url),
        "html": lambda: render.render_html(m, pic, qr, text),
        "pdf": lambda: render.render_pdf(m, pic, qr, text, DATA["issued_at"]),
        "png": lambda: render.render_png(m, pic, qr, text),
        "label png": lambda: render.render_label_png(m, qr, text),
    }
    for name, fn in parts.items():
        print(f"  {name:<10} {median_ms(fn, n):6.1f} ms")

    worst = 0.0
    for form in ("json", "pdf", "png", "html"):
        data = getattr(rendered, form)
        assert verify_file(data, known, NOW).valid
        ms = median_ms(lambda d=data: verify_file(d, known, NOW), n)
        worst = max(worst, ms)
        print(
            f"verify one {form:<4} file ({len(data):>7} bytes): median {ms:6.2f} ms  "
            f"(target <= 5 ms)"
        )
    ok = total <= 100 and worst <= 5
    print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
