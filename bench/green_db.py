"""Why psycopg2 is made green: N workers each wait on PostgreSQL for 50 ms.

Under eventlet a blocking driver serialises them (N x 50 ms); with a green wait
callback (eventlet's ``monkey_patch`` installs one, and ``kernel.db.make_engine``
makes sure with psycogreen) they overlap (~50 ms). Each mode runs in its own
process, because the patch is process-wide; the baseline turns it off."""
from __future__ import annotations

import json
import subprocess
import sys
import time

WORKERS = 20
SLEEP = 0.05


def _measure(green: bool, url: str) -> float:
    import warnings
    warnings.filterwarnings("ignore")
    import eventlet
    eventlet.monkey_patch(psycopg=green)
    from sqlalchemy import create_engine, text

    if green:
        from kernel.db import make_engine
        engine = make_engine(url, pool_size=WORKERS)
    else:
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1),
                               pool_size=WORKERS, max_overflow=0)
    with engine.connect() as conn:      # warm the pool's first connection
        conn.execute(text("SELECT 1"))

    def work():
        with engine.connect() as conn:
            conn.execute(text(f"SELECT pg_sleep({SLEEP})"))

    pool = eventlet.GreenPool(WORKERS)
    for _ in range(WORKERS):            # open every connection before timing
        pool.spawn(lambda: engine.connect().close())
    pool.waitall()
    started = time.perf_counter()
    for _ in range(WORKERS):
        pool.spawn(work)
    pool.waitall()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def run(pg_url: str) -> dict:
    results = {}
    for mode in ("blocking", "green"):
        out = subprocess.run([sys.executable, "-m", "bench.green_db", mode, pg_url], capture_output=True,
                             text=True, check=True)
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
    return {
        "name": f"{WORKERS} concurrent 50 ms PostgreSQL queries under eventlet",
        "baseline": ("blocking psycopg2", results["blocking"]),
        "measured": ("psycogreen (kernel.db)", results["green"]),
        "ratio": results["blocking"] / results["green"],
        "reading": "x faster with the green driver",
    }


if __name__ == "__main__":
    print(json.dumps({"seconds": _measure(sys.argv[1] == "green", sys.argv[2])}))
