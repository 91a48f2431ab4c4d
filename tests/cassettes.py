"""How cassettes are recorded and replayed: one vcrpy configuration for the recorder and the tests.

Recorded against the sandbox (scripts/record_cassettes.py); replayed with record mode "none", so a
test that would make a request the cassette lacks fails instead of reaching the network. Hosts,
authorization headers, cookies and e-mail addresses are scrubbed before anything is written.
"""

from __future__ import annotations

import gzip
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import vcr
import vcr.serialize
from vcr.persisters.filesystem import CassetteNotFoundError

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"
SCRUBBED_HOST = "sandbox.example.invalid"
# What the cassettes were recorded from (scripts/record_cassettes.py): tests regenerate the same truth.
RECORDED_ORG = {"seed": 7, "issues": 120, "anchor": date(2026, 11, 20), "weeks": 26}
# Syncs run on a fixed clock when recording and replaying: Linear's incremental query names the
# previous run's start time, and every cursor records when metadata was fetched.
RECORDED_NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def RECORDED_CLOCK() -> datetime:
    return RECORDED_NOW


_EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_LOOPBACK = re.compile(rb"http://127\.0\.0\.1:\d+")


def _scrub_request(request: Any) -> Any:
    request.uri = re.sub(r"^http://127\.0\.0\.1:\d+", f"https://{SCRUBBED_HOST}", request.uri)
    if isinstance(request.body, bytes):
        request.body = _EMAIL.sub(b"user@example.invalid", request.body)
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes):
        body = _LOOPBACK.sub(f"https://{SCRUBBED_HOST}".encode(), body)
        response["body"]["string"] = _EMAIL.sub(b"user@example.invalid", body)
    for header in ("Set-Cookie", "set-cookie"):
        response.get("headers", {}).pop(header, None)
    return response


class GzipPersister:
    """Cassettes are written gzipped (`NAME.json.gz`): recorded payloads are large and repetitive."""

    @staticmethod
    def load_cassette(cassette_path: str, serializer: Any) -> tuple[Any, Any]:
        path = Path(f"{cassette_path}.gz")
        if not path.exists():
            raise CassetteNotFoundError(f"no cassette at {path}")
        return vcr.serialize.deserialize(gzip.decompress(path.read_bytes()).decode(), serializer)

    @staticmethod
    def save_cassette(cassette_path: str, cassette_dict: Any, serializer: Any) -> None:
        text = vcr.serialize.serialize(cassette_dict, serializer)
        Path(f"{cassette_path}.gz").write_bytes(gzip.compress(text.encode(), mtime=0))


def recorder(kind: str, *, record_mode: str = "none") -> vcr.VCR:
    machine = _vcr(kind, record_mode)
    machine.register_persister(GzipPersister)
    return machine


def _vcr(kind: str, record_mode: str) -> vcr.VCR:
    return vcr.VCR(
        cassette_library_dir=str(CASSETTES / kind),
        serializer="json",
        record_mode=record_mode,
        match_on=["method", "path", "query", "body"],
        filter_headers=["authorization", "cookie", "host"],
        before_record_request=_scrub_request,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )
