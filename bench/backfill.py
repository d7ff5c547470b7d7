"""A first sync at N records a side, as separate processes, against the physical minimum.

Both emulators run as their own processes (``crmsync emulate salesforce|hubspot``), and
the sync is ``crmsync sync --once`` as a third process, exactly as a user would run
them. N HubSpot contacts and N Salesforce leads (no email shared) are seeded through
the emulators' seed hooks; HubSpot is on the ``unlimited`` tier (no 10-second burst
limit), the connector's own 5-a-second search pacing stays on. Reported per run:

- API calls per side, from the emulators' own counters (every request billed);
- the physical minimum of that work: each side read once (2,000 rows a Salesforce
  query page, 200 a HubSpot search page), each side's creates at the APIs' largest
  batches (1,000 records a Salesforce call, 100 a HubSpot call), and one HubSpot
  update per 100 contacts whose new lead Salesforce filled in (lead status);
- the ratio of calls to that minimum, records/s (2N over the sync process's wall
  time) and the sync process's peak RSS.

``--baseline REF`` runs the same scenario, in the same invocation and against fresh
emulators, on the code at git commit ``REF`` (extracted with ``git archive`` into a
temporary directory, run with this checkout's virtual environment); without it the
run is printed beside the figures measured when the work was planned.

Usage: ``uv run python bench/backfill.py [--n 20000] [--baseline main] [--idle]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl
from crmsync.emulators.salesforce.control import SalesforceEmulatorControl

HERE: Final = Path(__file__).resolve().parents[1]
HUBSPOT_TOKEN: Final = "crmsync-hs-token"
SALESFORCE_TOKEN: Final = "crmsync-sf-token"
SALESFORCE_QUERY_PAGE: Final = 2000
HUBSPOT_SEARCH_PAGE: Final = 200
SALESFORCE_WRITE_PER_CALL: Final = 1000
HUBSPOT_WRITE_PER_CALL: Final = 100
CONTROL_TIMEOUT: Final = 600.0
POLL_INTERVAL_SECONDS: Final = 900.0
"""Time between scheduled runs (``crmsync run``'s default interval)."""
SEARCH_LAG_SECONDS: Final = 120.0
"""The HubSpot connector's default overlap (``hubspot.overlap_seconds``): the sweep of a
change window settles only once this much real time has passed since its last delivery,
by the sync machine's own clock, which the emulators' clocks do not move."""
_LAUNCH: Final = (
    "import sys; from crmsync.cli.main import app; sys.argv[0] = 'crmsync'; sys.exit(app())"
)


@dataclass(frozen=True, kw_only=True)
class Minimum:
    """The least API calls a first sync of ``n`` records a side can cost."""

    salesforce: int
    hubspot: int

    @classmethod
    def of(cls, n: int) -> Minimum:
        """Reads once per side, creates at the largest batches, lead status back to HubSpot."""
        read_salesforce = math.ceil(n / SALESFORCE_QUERY_PAGE)
        read_hubspot = math.ceil(n / HUBSPOT_SEARCH_PAGE)
        create_in_salesforce = math.ceil(n / SALESFORCE_WRITE_PER_CALL)
        create_in_hubspot = math.ceil(n / HUBSPOT_WRITE_PER_CALL)
        lead_status_back = math.ceil(n / HUBSPOT_WRITE_PER_CALL)
        return cls(
            salesforce=read_salesforce + create_in_salesforce,
            hubspot=read_hubspot + create_in_hubspot + lead_status_back,
        )

    @property
    def total(self) -> int:
        """Both sides."""
        return self.salesforce + self.hubspot


@dataclass(frozen=True, kw_only=True)
class Run:
    """One sync process's figures."""

    label: str
    records: int
    salesforce_calls: int
    hubspot_calls: int
    seconds: float
    peak_rss_mb: float
    created_salesforce: int = 0
    created_hubspot: int = 0
    updated_hubspot: int = 0
    errors: int = 0
    purposes: dict[str, int] = field(default_factory=dict)
    """Calls per ``system/purpose`` from crmsync's own call log."""

    @property
    def calls(self) -> int:
        """Both sides."""
        return self.salesforce_calls + self.hubspot_calls

    def row(self, minimum: Minimum) -> str:
        """The run as a Markdown table row."""
        ratio = self.calls / minimum.total if minimum.total else 0.0
        return (
            f"| {self.label} | {self.records:,} | {self.salesforce_calls:,} "
            f"(min {minimum.salesforce:,}) | {self.hubspot_calls:,} (min {minimum.hubspot:,}) | "
            f"{self.calls:,} / {minimum.total:,} = {ratio:.2f}x | "
            f"{self.records / self.seconds:,.0f} | {self.seconds:,.0f} s | "
            f"{self.peak_rss_mb:,.0f} MB |"
        )


PLANNED: Final = {
    20_000: Run(
        label="figures measured when planned",
        records=40_000,
        salesforce_calls=386,
        hubspot_calls=966,
        seconds=354.0,
        peak_rss_mb=134.0,
    )
}
"""Today's engine as measured when the work was planned (same scenario, same machine)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(tree: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(tree), **(extra or {})}
    env.pop("CRMSYNC_CONFIG", None)
    return env


def _crmsync(tree: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", _LAUNCH, *args]


@contextlib.contextmanager
def _emulator(tree: Path, system: str, workdir: Path) -> Iterator[str]:
    port = _free_port()
    log = (workdir / f"{system}.log").open("w")
    process = subprocess.Popen(
        _crmsync(tree, "emulate", system, "--port", str(port)),
        cwd=workdir,
        env=_environment(tree),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the {system} emulator did not start (see its log)") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _seed(salesforce: SalesforceEmulatorControl, hubspot: HubSpotEmulatorControl, n: int) -> None:
    hubspot.set_limits(tier="unlimited")
    chunk = 5000
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        hubspot.seed(
            {
                "records": {
                    "contacts": [
                        {
                            "id": str(1_000_000 + i),
                            "properties": {
                                "email": f"hs{i}@example.com",
                                "firstname": f"H{i}",
                                "lastname": f"Hubspot{i}",
                                "company": "Acme",
                            },
                        }
                        for i in range(start, stop)
                    ]
                }
            }
        )
        salesforce.seed(
            {
                "records": {
                    "Lead": [
                        {
                            "ref": f"lead{i}",
                            "Email": f"sf{i}@example.com",
                            "FirstName": f"S{i}",
                            "LastName": f"Sf{i}",
                            "Company": "Initech",
                            "Status": "Open - Not Contacted",
                        }
                        for i in range(start, stop)
                    ]
                }
            }
        )


def _counts(
    salesforce: SalesforceEmulatorControl, hubspot: HubSpotEmulatorControl
) -> tuple[int, int]:
    return salesforce.usage()["api_calls_total"], hubspot.call_count()


def _timed_sync(
    tree: Path,
    env: dict[str, str],
    workdir: Path,
    *,
    profile: Path | None = None,
    sample_idle: bool = False,
) -> tuple[float, float, Any]:
    """Run ``crmsync sync --once``; wall seconds, peak RSS in MB and its JSON summary.

    With ``profile``, the sync runs under ``py-spy record`` (collapsed stacks written
    there); its wall time then includes the sampling. ``sample_idle`` samples waiting
    threads too (``py-spy --idle``): pacing sleeps and network waits.
    """
    out = (workdir / "sync.out").open("w+")
    command = _crmsync(tree, "sync", "--once")
    if profile is not None:
        spy = Path(sys.executable).with_name("py-spy")
        waits = ["--idle"] if sample_idle else []
        output = ["--format", "raw", "-o", str(profile)]
        command = [str(spy), "record", *waits, *output, "--", *command]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read()
    out.close()
    if process.returncode != 0:
        raise SystemExit(f"sync exited {process.returncode}:\n{text[-2000:]}")
    # The report is the first JSON object printed (py-spy may print after it).
    summary = json.JSONDecoder().raw_decode(text[text.index("{") :])[0] if "{" in text else {}
    return seconds, usage.ru_maxrss / 1024, summary


def measure(
    tree: Path,
    *,
    n: int,
    label: str,
    idle: bool,
    profile: Path | None = None,
    sample_idle: bool = False,
) -> list[Run]:
    """Seed fresh emulators, run a first sync (and, with ``idle``, three runs after it)."""
    runs: list[Run] = []
    with (
        tempfile.TemporaryDirectory(prefix="crmsync-bench-") as directory,
        _emulator(tree, "salesforce", Path(directory)) as salesforce_url,
        _emulator(tree, "hubspot", Path(directory)) as hubspot_url,
        SalesforceEmulatorControl(salesforce_url, timeout=CONTROL_TIMEOUT) as salesforce,
        HubSpotEmulatorControl(hubspot_url, timeout=CONTROL_TIMEOUT) as hubspot,
    ):
        workdir = Path(directory)
        _seed(salesforce, hubspot, n)
        env = _environment(
            tree,
            {
                "CRMSYNC_SALESFORCE_URL": salesforce_url,
                "CRMSYNC_SALESFORCE_TOKEN": SALESFORCE_TOKEN,
                "CRMSYNC_HUBSPOT_URL": hubspot_url,
                "CRMSYNC_HUBSPOT_TOKEN": HUBSPOT_TOKEN,
                "CRMSYNC_DATABASE_URL": f"sqlite:///{workdir / 'state.sqlite'}",
            },
        )
        subprocess.run(
            _crmsync(tree, "settings", "set", "contacts.create_as=Lead"),
            cwd=workdir,
            env=env,
            check=True,
            capture_output=True,
        )
        scenarios = [("first sync", 2 * n)]
        if idle:
            scenarios += [
                ("run after it (reads its own writes)", 2 * n),
                ("idle run a polling interval later (the window's one sweep)", 0),
                ("idle run after that (settled)", 0),
            ]
        for index, (name, records) in enumerate(scenarios):
            if not records:
                # A polling interval passes: the overlap windows hold nothing new. The
                # first idle run also waits out the search lag in real time.
                if index == 2:
                    time.sleep(SEARCH_LAG_SECONDS + 1)
                salesforce.advance_clock(seconds=POLL_INTERVAL_SECONDS)
                hubspot.advance_clock(seconds=POLL_INTERVAL_SECONDS)
            logged = _purposes(workdir / "state.sqlite")
            before = _counts(salesforce, hubspot)
            seconds, rss, summary = _timed_sync(
                tree,
                env,
                workdir,
                profile=profile if name == "first sync" else None,
                sample_idle=sample_idle,
            )
            after = _counts(salesforce, hubspot)
            created = summary.get("created") or {}
            updated = summary.get("updated") or {}
            runs.append(
                Run(
                    label=f"{label}: {name}",
                    records=records,
                    salesforce_calls=after[0] - before[0],
                    hubspot_calls=after[1] - before[1],
                    seconds=seconds,
                    peak_rss_mb=rss,
                    created_salesforce=int(created.get("salesforce", 0)),
                    created_hubspot=int(created.get("hubspot", 0)),
                    updated_hubspot=int(updated.get("hubspot", 0)),
                    errors=int(summary.get("errors", 0) or 0),
                    purposes={
                        key: count - logged.get(key, 0)
                        for key, count in _purposes(workdir / "state.sqlite").items()
                        if count > logged.get(key, 0)
                    },
                )
            )
            # Later edits and reads are strictly newer than this run's watermark.
            salesforce.advance_clock(seconds=5)
            hubspot.advance_clock(seconds=5)
    return runs


def _purposes(database: Path) -> dict[str, int]:
    """Calls so far per ``system/purpose``, from the state store's call log."""
    if not database.exists():
        return {}
    with contextlib.closing(sqlite3.connect(database)) as connection:
        rows = connection.execute(
            "SELECT system, purpose, COUNT(*) FROM api_calls GROUP BY system, purpose"
        ).fetchall()
    return {f"{system}/{purpose}": int(count) for system, purpose, count in rows}


@contextlib.contextmanager
def _checkout(ref: str) -> Iterator[Path]:
    """The tree at ``ref``, extracted from git into a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="crmsync-baseline-") as directory:
        archive = Path(directory) / "tree.tar"
        subprocess.run(
            ["git", "-C", str(HERE), "archive", "--format=tar", "-o", str(archive), ref],
            check=True,
        )
        with tarfile.open(archive) as tar:
            tar.extractall(Path(directory) / "tree", filter="data")
        yield Path(directory) / "tree"


def _is_commit(ref: str) -> bool:
    found = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    return found.returncode == 0


def _commit(ref: str) -> str:
    return subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", ref],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def main() -> None:
    """Run the scenario on this checkout (and on a baseline commit) and print a table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="records on each side")
    parser.add_argument("--baseline", help="git commit to run as the baseline (e.g. main)")
    parser.add_argument(
        "--idle",
        action="store_true",
        help="also run the three syncs after it (waits out the search lag)",
    )
    parser.add_argument(
        "--baseline-only", action="store_true", help="run the baseline only (not this tree)"
    )
    parser.add_argument("--ref", help="measure the code at this git commit instead of this tree")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument(
        "--profile",
        type=Path,
        help="profile this tree's first sync with py-spy (collapsed stacks to this file)",
    )
    parser.add_argument(
        "--profile-idle",
        action="store_true",
        help="with --profile, sample waiting too and show where the sync's wall time went",
    )
    args = parser.parse_args()
    for option, ref in (("--baseline", args.baseline), ("--ref", args.ref)):
        if ref and not _is_commit(ref):
            parser.error(f"{option}: {ref!r} is not a commit of this repository")
    # A terminated benchmark still stops the processes it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    minimum = Minimum.of(args.n)
    runs: list[Run] = []
    if args.baseline:
        with _checkout(args.baseline) as tree:
            runs += measure(
                tree, n=args.n, label=f"baseline {_commit(args.baseline)}", idle=args.idle
            )
    elif args.n in PLANNED:
        runs.append(PLANNED[args.n])
    if args.ref:
        with _checkout(args.ref) as tree:
            runs += measure(
                tree,
                n=args.n,
                label=f"{args.ref} ({_commit(args.ref)})",
                idle=args.idle,
                profile=args.profile,
                sample_idle=args.profile_idle,
            )
    elif not args.baseline_only:
        runs += measure(
            HERE,
            n=args.n,
            label=f"this tree ({_commit('HEAD')})",
            idle=args.idle,
            profile=args.profile,
            sample_idle=args.profile_idle,
        )
    print(f"First sync of {args.n:,} HubSpot contacts and {args.n:,} Salesforce leads.")
    print(
        f"Physical minimum: Salesforce {minimum.salesforce:,}, HubSpot {minimum.hubspot:,}, "
        f"together {minimum.total:,} calls.\n"
    )
    print(
        "| run | records | Salesforce calls | HubSpot calls | calls / minimum | records/s "
        "| wall time | peak RSS (sync) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for run in runs:
        print(run.row(minimum) if run.records else _idle_row(run))
    for run in runs:
        if run.purposes:
            spent = ", ".join(f"{key} {count}" for key, count in sorted(run.purposes.items()))
            print(f"\n{run.label}, calls by purpose (crmsync's call log): {spent}")
    if args.profile:
        print(f"\nWhere the sync process spent its time (py-spy, {args.profile}):\n")
        print(summarise_profile(args.profile))
        if args.profile_idle:
            print("\nThe sync's main thread, by wall time (py-spy --idle):\n")
            print(wall_time_breakdown(args.profile))
    if args.json:
        document = {"n": args.n, "minimum": asdict(minimum), "runs": [asdict(r) for r in runs]}
        args.json.write_text(json.dumps(document, indent=2))


def _main_thread_stacks(path: Path) -> Iterator[tuple[str, int]]:
    """(folded stack, samples) of py-spy's raw output, the main thread's only: other
    threads (the progress display's refresher) start in ``Thread._bootstrap``."""
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit() and "Thread._bootstrap" not in stack:
            yield stack, int(count)


def summarise_profile(path: Path, *, top: int = 25) -> str:
    """The crmsync functions with the largest share of samples, inclusive, as a table.

    Only the main thread counts (other threads, such as the progress display's
    refresher, start in ``Thread._bootstrap`` and mostly sleep).
    """
    inclusive: dict[str, int] = {}
    total = 0
    for stack, samples in _main_thread_stacks(path):
        total += samples
        names = set()
        for frame in stack.split(";"):
            name = frame.split(" (")[0]
            where = frame[frame.find("(") + 1 : frame.rfind(")")]
            if "crmsync/" in where or name in {"<module>"}:
                label = f"{name} ({where.split('crmsync/')[-1].split(':')[0]})"
                names.add(label)
            elif "sqlalchemy" in where:
                names.add("[sqlalchemy]")
            elif "ssl" in where or "socket" in where or "urllib3" in where:
                names.add("[network: socket/urllib3]")
        for label in names:
            inclusive[label] = inclusive.get(label, 0) + samples
    rows = sorted(inclusive.items(), key=lambda item: -item[1])[:top]
    lines = ["| function (inclusive) | share of samples |", "|---|---|"]
    lines += [f"| {label} | {100 * count / max(total, 1):.1f}% |" for label, count in rows]
    return "\n".join(lines)


WAITS: Final = (
    ("waiting for HubSpot's search pacing (5 a second)", ("SearchPacer.wait",)),
    ("waiting for an API answer (socket)", ("readinto", "sock_recv", "_ssl")),
    ("importing modules (start-up)", ("_find_and_load",)),
)


def wall_time_breakdown(path: Path) -> str:
    """Where the main thread's samples went: each kind of waiting, and running."""
    shares: dict[str, int] = {}
    total = 0
    for stack, samples in _main_thread_stacks(path):
        total += samples
        kind = next(
            (label for label, marks in WAITS if any(mark in stack for mark in marks)), "running"
        )
        shares[kind] = shares.get(kind, 0) + samples
    lines = ["| main thread | share of wall time |", "|---|---|"]
    lines += [
        f"| {kind} | {100 * count / max(total, 1):.1f}% |"
        for kind, count in sorted(shares.items(), key=lambda item: -item[1])
    ]
    return "\n".join(lines)


def _idle_row(run: Run) -> str:
    writes = run.created_salesforce + run.created_hubspot + run.updated_hubspot
    return (
        f"| {run.label} | 0 | {run.salesforce_calls} | {run.hubspot_calls} | "
        f"{writes} writes | - | {run.seconds:,.1f} s | {run.peak_rss_mb:,.0f} MB |"
    )


if __name__ == "__main__":
    main()
