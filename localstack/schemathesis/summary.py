"""Summary of one schemathesis run of localstack/api-schema.sh, from its NDJSON report.

    python summary.py REPORT_DIR

Prints operations, test cases, requests, answers per status class, duration per phase, unique
failures per check and errors. Exit status 1 when there is any failure or error, else 0.
"""

from __future__ import annotations

import collections
import glob
import json
import os
import sys


def main(report_dir: str) -> int:
    files = sorted(glob.glob(os.path.join(report_dir, "*.ndjson")))
    if not files:
        print(f"summary: no NDJSON report in {report_dir} (schemathesis did not run to the end)")
        return 1
    events = [json.loads(line) for line in open(files[-1], encoding="utf-8") if line.strip()]

    operations = {"total": 0, "selected": 0}
    tested: set[str] = set()
    cases = requests = 0
    statuses: collections.Counter[str] = collections.Counter()
    failures: dict[str, set[tuple[str, str, str]]] = collections.defaultdict(set)
    checks_run: collections.Counter[str] = collections.Counter()
    errors: list[str] = []
    phases: dict[str, float] = {}
    phase_start: dict[str, float] = {}
    running_time = None

    for event in events:
        kind, data = next(iter(event.items()))
        if kind == "LoadingFinished":
            operations = data["statistic"]["operations"]
        elif kind == "PhaseStarted":
            phase_start[data["phase"]["name"]] = data["timestamp"]
        elif kind == "PhaseFinished":
            name = data["phase"]["name"]
            if name in phase_start:
                phases[name] = data["timestamp"] - phase_start[name]
        elif kind == "NonFatalError":
            errors.append(f"{data.get('label', '?')}: {data['value']['type']}: {data['value']['message'][:200]}")
        elif kind == "FatalError":
            errors.append(f"fatal: {json.dumps(data)[:300]}")
        elif kind == "EngineFinished":
            running_time = data["running_time"]
        elif kind == "ScenarioFinished":
            recorder = data["recorder"]
            label = recorder["label"]
            if not label.startswith("Stateful"):
                tested.add(label)
            cases += len(recorder.get("cases", {}))
            for interaction in recorder.get("interactions", {}).values():
                requests += 1
                response = interaction.get("response")
                statuses[f"{response['status_code'] // 100}xx" if response else "no answer"] += 1
            for results in recorder.get("checks", {}).values():
                for check in results:
                    checks_run[check["name"]] += 1
                    if check["status"] == "failure":
                        failure = check.get("failure_info", {}).get("failure", {})
                        message = (failure.get("message") or "").splitlines()
                        failures[check["name"]].add(
                            (failure.get("operation", label), failure.get("title", ""), message[0] if message else "")
                        )

    print("== API schema run summary")
    print(f"operations:  {len(tested)} tested of {operations.get('selected')} selected ({operations.get('total')} in the document)")
    print(f"test cases:  {cases}")
    print(f"requests:    {requests} ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))})")
    if running_time is not None:
        timing = ", ".join(f"{name} {secs:.0f}s" for name, secs in phases.items() if secs >= 0.5)
        print(f"duration:    {running_time:.0f}s ({timing})")
    print("failures per check (unique):")
    for name in sorted(set(checks_run) | set(failures)):
        print(f"  {name:32} {len(failures.get(name, ())):3}   ({checks_run[name]} evaluations)")
    for name, found in sorted(failures.items()):
        for operation, title, message in sorted(found):
            print(f"  FAILED {name}: {operation}: {title}: {message}")
    print(f"errors:      {len(errors)}")
    for error in errors:
        print(f"  ERROR {error}")
    return 1 if failures or errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
