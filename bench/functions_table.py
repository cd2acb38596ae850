"""Writes the per-function table of bench/functions.sh into docs/performance.md.

    python3 bench/functions_table.py .local/bench/functions.jsonl docs/performance.md

The table goes between `<!-- functions-table:start -->` and `<!-- functions-table:end -->`
(appended with a heading when the markers are missing). Budgets: init <= 10 ms (median, local),
zip <= 4 MB, peak RSS <= 32 MiB; a figure over its budget is marked.
"""

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone

INIT_MS, ZIP_MB, RSS_MIB = 10.0, 4.0, 32.0
START, END = "<!-- functions-table:start -->", "<!-- functions-table:end -->"


def over(value: float, budget: float, text: str) -> str:
    return f"**{text}** (over)" if value > budget else text


def machine() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cores} cores ({cpu}), {platform.system()} {platform.release()}"


def table(rows: list[dict]) -> str:
    lines = [
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()} with `bash bench/functions.sh`.",
        "Budgets: init ≤ 10 ms (median, local), zip ≤ 4 MB, peak RSS ≤ 32 MiB; figures over budget are **marked**.",
        "`answers` are the status codes of the warm invocations (HTTP functions) or `raw` (queue, schedule, direct).",
        "",
        "| function | init p50 (ms) | zip (MB) | binary (MB) | warm p50 (ms) | warm p99 (ms) | req/s | peak RSS (MiB) | answers |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in sorted(rows, key=lambda r: r["function"]):
        zip_mb = r["zipBytes"] / 1e6
        answers = ", ".join(f"{k}×{v}" for k, v in sorted(r["statuses"].items()))
        lines.append(
            "| {f} | {i} | {z} | {b:.1f} | {p50:.2f} | {p99:.2f} | {rps:.0f} | {rss} | {a} |".format(
                f=f"`{r['function']}`",
                i=over(r["initMsP50"], INIT_MS, f"{r['initMsP50']:.1f}"),
                z=over(zip_mb, ZIP_MB, f"{zip_mb:.2f}"),
                b=r["binaryBytes"] / 1e6,
                p50=r["warmMsP50"],
                p99=r["warmMsP99"],
                rps=r["perSecond"],
                rss=over(r["peakRssMiB"], RSS_MIB, f"{r['peakRssMiB']:.1f}"),
                a=answers,
            )
        )
    n = len(rows)
    worst = lambda key: max(rows, key=lambda r: r[key]) if rows else None
    if rows:
        lines += [
            "",
            f"{n} functions. Largest init: `{worst('initMsP50')['function']}` {worst('initMsP50')['initMsP50']:.1f} ms; "
            f"largest zip: `{worst('zipBytes')['function']}` {worst('zipBytes')['zipBytes'] / 1e6:.2f} MB; "
            f"largest RSS: `{worst('peakRssMiB')['function']}` {worst('peakRssMiB')['peakRssMiB']:.1f} MiB.",
        ]
    return "\n".join(lines)


def main() -> None:
    results, doc = sys.argv[1], sys.argv[2]
    rows = [json.loads(line) for line in open(results) if line.strip()]
    text = open(doc).read()
    block = f"{START}\n{table(rows)}\n{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Every function\n\n" + block + "\n"
    open(doc, "w").write(text)


if __name__ == "__main__":
    main()
