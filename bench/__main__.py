"""``./wuye bench``: run the benchmarks and print each against its baseline."""
from __future__ import annotations

import argparse
import os
import tempfile

from kernel.testing import temporary_pg_database


def main() -> int:
    parser = argparse.ArgumentParser(prog="wuye bench")
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//"))
    parser.add_argument("--only", choices=["green_db", "outbox"], default=None)
    args = parser.parse_args()

    from bench import green_db, outbox

    results = []
    with temporary_pg_database() as pg_url:
        if args.only in (None, "green_db"):
            results.append(green_db.run(pg_url))
        if args.only in (None, "outbox"):
            with tempfile.TemporaryDirectory() as tmp:
                results.append(outbox.run(args.amqp_uri, f"sqlite:///{tmp}/bench.db", "SQLite"))
            results.append(outbox.run(args.amqp_uri, pg_url, "PostgreSQL"))
    print()
    for r in results:
        (base_name, base), (name, measured) = r["baseline"], r["measured"]
        print(f"{r['name']}")
        print(f"  baseline  {base_name:28} {base:8.3f} s")
        print(f"  measured  {name:28} {measured:8.3f} s")
        print(f"  ratio     {r['ratio']:8.2f} {r['reading']}")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
