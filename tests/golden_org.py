"""The golden findings: the 10k-issue sandbox organisation, analysed, reduced to comparable JSON.

Shared by tests/test_golden_findings.py (compares) and scripts/golden_findings.py (writes the file).
The golden file holds each finding's DESIGN.md keys as `analyze --format json` printed them when it
was written; a comparison reads only those keys, so a key added to findings later does not break it.
Pseudonyms are salted per store: both sides fix the store's salt, so evidence names compare.
"""

from __future__ import annotations

import gzip
import json
import math
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from orgpulse.analyze import finding_json, run_analyze
from orgpulse.config import Settings, StoreSettings
from orgpulse.demo import demo_settings
from orgpulse.sandbox import SandboxServer, generate_org
from orgpulse.sandbox.org.model import Org
from orgpulse.store import Store
from orgpulse.store import schema as tables
from orgpulse.sync import run_sync

GOLDEN_ORG: dict[str, Any] = {"seed": 7, "issues": 10_000, "anchor": date(2026, 11, 20), "weeks": 26}
GOLDEN_PATH = Path(__file__).resolve().parent / "golden" / "findings-10k-seed7.json.gz"
AS_OF = datetime.combine(GOLDEN_ORG["anchor"] + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
WEEKS = 21
FIXED_SALT = "00112233445566778899aabbccddeeff"
# Floats may differ in their last bits when a sum runs in another order; nothing else may differ.
REL_TOLERANCE = 1e-9


def golden_org() -> Org:
    return generate_org(**GOLDEN_ORG)


def settings_for(store_url: str, server_url: str = "http://unused.invalid") -> Settings:
    """The demo's one Jira Cloud source, writing into `store_url`."""
    settings = demo_settings(server_url, Path("."))
    return Settings(
        path=None,
        store=StoreSettings(url=store_url),
        sources=settings.sources,
        schedule=settings.schedule,
        privacy=settings.privacy,
        analysis=settings.analysis,
    )


def fix_salt(store: Store) -> None:
    """Pseudonyms the same in every store: the golden's evidence names people by pseudonym."""
    with store.engine.begin() as conn:
        conn.execute(
            tables.meta.update().where(tables.meta.c.key == "pseudonym_salt").values(value=FIXED_SALT)
        )
    store._salt = None


def sync_over_http(org: Org, store: Store) -> Settings:
    """Today's whole path: the sandbox on loopback, the Jira Cloud connector, a full sync."""
    with SandboxServer(org, dialect="jira_cloud") as server:
        settings = settings_for(store.engine.url.render_as_string(hide_password=False), server.url)
        (report,) = run_sync(settings, store, full=True)
    if report.error is not None:
        raise RuntimeError(f"the golden org's sync failed: {report.error}")
    return settings


def analysed(settings: Settings, store: Store) -> list[dict[str, Any]]:
    """The findings as `analyze --format json` prints them (not saved as a run)."""
    fix_salt(store)
    run = run_analyze(settings, store, as_of=AS_OF, weeks=WEEKS, save=False)
    return [json.loads(json.dumps(finding_json(f), allow_nan=False)) for f in run.result.findings]


def write_golden(findings: list[dict[str, Any]], path: Path = GOLDEN_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"org": {**GOLDEN_ORG, "anchor": GOLDEN_ORG["anchor"].isoformat()},
                       "as_of": AS_OF.isoformat(), "weeks": WEEKS, "findings": findings},
                      sort_keys=True, indent=0)  # fmt: skip
    with gzip.GzipFile(path, "wb", mtime=0) as out:
        out.write(text.encode())


def read_golden(path: Path = GOLDEN_PATH) -> list[dict[str, Any]]:
    with gzip.open(path, "rt") as f:
        doc = json.load(f)
    findings: list[dict[str, Any]] = doc["findings"]
    return findings


def differences(golden: list[dict[str, Any]], actual: list[dict[str, Any]], limit: int = 10) -> list[str]:
    """Where `actual` departs from `golden`, on the golden's keys only (at most `limit` lines)."""
    key = ("team", "week_start", "symptom")
    want = {tuple(f[k] for k in key): f for f in golden}
    got = {tuple(f[k] for k in key): f for f in actual}
    out = [f"missing finding {k}" for k in sorted(want.keys() - got.keys())]
    out += [f"unexpected finding {k}" for k in sorted(got.keys() - want.keys())]
    for k in sorted(want.keys() & got.keys()):
        out += [f"{k} {where}" for where in _diff(want[k], got[k], "")]
        if len(out) >= limit:
            break
    return out[:limit]


def _diff(want: object, got: object, path: str) -> Iterable[str]:
    if isinstance(want, Mapping):
        if not isinstance(got, Mapping):
            yield f"{path}: {want!r} != {got!r}"
            return
        for name, value in want.items():
            if name not in got:
                yield f"{path}.{name}: missing"
            else:
                yield from _diff(value, got[name], f"{path}.{name}")
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            yield f"{path}: {want!r} != {got!r}"
            return
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            yield from _diff(w, g, f"{path}[{i}]")
    elif isinstance(want, float) and isinstance(got, int | float) and not isinstance(got, bool):
        if not math.isclose(want, got, rel_tol=REL_TOLERANCE, abs_tol=1e-12):
            yield f"{path}: {want!r} != {got!r}"
    elif (want != got or type(want) is not type(got)) and not (
        isinstance(want, int) and isinstance(got, float) and want == got
    ):
        yield f"{path}: {want!r} != {got!r}"


def load_directly(org: Org, store: Store) -> None:
    """bench/direct_load.py: the organisation written into the store without HTTP."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from direct_load import load_org

    load_org(org, store)
