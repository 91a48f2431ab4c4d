"""Guards on each HTTP answer, shared by every connector's transport: size, deadline, clock.

A socket timeout bounds each read, not the request: a server that sends its headers and then one
byte every two seconds never trips it. A gzip answer of half a megabyte can expand to gigabytes.
So every client reads its bodies through `read_body`, which counts the decoded bytes against a
cap (ResponseTooLargeError, a ProtocolError: not retried) and checks an overall per-request
deadline between reads (DeadlineExceededError, a TransientError: retried with backoff). The
clients feed it chunks as they arrive (httpx `iter_bytes`, urllib3 `read1`), decompressed a
bounded piece at a time, so a compression bomb is stopped at the cap, never held whole.

`ServerClock` keeps the tracker's own time (the HTTP `Date` header of its answers), so watermarks
follow the tracker's clock and not a host clock that runs ahead of it.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import orjson

from orgpulse.errors import ProtocolError, TransientError

MEGABYTE = 1024 * 1024
READ_PIECE = 64 * 1024  # decoded bytes produced per step: what a compressed answer expands to at once


@dataclass(frozen=True)
class Answer:
    """One HTTP answer read whole under the guards (`read_body`): what a client classifies."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The parsed body; ValueError when it is not JSON (or not UTF-8)."""
        return decode_json(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type") or "no content type"


def decode_json(body: bytes) -> Any:
    """JSON text parsed by orjson (several times faster on big pages), else by the standard library.

    orjson refuses what the standard library reads (a lone surrogate escape, NaN, an integer
    beyond 64 bits): those bodies are parsed again by `json`, so the two accept the same answers.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


class ResponseTooLargeError(ProtocolError):
    """An answer larger (once decompressed) than the configured cap: refused, not retried."""


class DeadlineExceededError(TransientError):
    """A request still unfinished at its overall deadline: abandoned and retried."""


class RequestDeadline:
    """The overall time one request may take, from its start to the last byte of its body."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._ends = clock() + seconds

    def remaining(self) -> float:
        return self._ends - self._clock()

    def check(self, what: str, *, source: str = "") -> None:
        if self.remaining() <= 0:
            raise DeadlineExceededError(
                f"{what} did not finish within its {self.seconds:.0f} s deadline", source=source
            )


def read_body(
    chunks: Iterable[bytes],
    *,
    max_bytes: int,
    deadline: RequestDeadline,
    what: str,
    source: str = "",
    declared_length: str | None = None,
) -> bytes:
    """The whole body, read chunk by chunk under the size cap and the deadline."""
    if declared_length and declared_length.strip().isdigit() and int(declared_length) > max_bytes:
        raise _too_large(what, int(declared_length), max_bytes, source)
    # The pieces joined once at the end: growing one buffer and copying it out touched every page
    # of a large answer three times.
    pieces: list[bytes] = []
    size = 0
    deadline.check(what, source=source)
    for chunk in chunks:
        pieces.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(what, size, max_bytes, source)
        deadline.check(what, source=source)
    return b"".join(pieces)


def inflate(raw: Iterable[bytes], encoding: str | None, *, what: str, source: str = "") -> Iterator[bytes]:
    """The decoded body of raw `Content-Encoding` chunks, at most READ_PIECE bytes at a time.

    A client library's decoder expands a whole network read at once (64 KB of gzip can become
    64 MB); this one stops at each piece, so `read_body`'s cap holds before memory is spent.
    """
    name = (encoding or "").strip().lower()
    if name in ("", "identity"):
        yield from raw
        return
    if name not in ("gzip", "x-gzip", "deflate"):
        raise ProtocolError(f"{what}: the answer uses the unsupported encoding {name!r}", source=source)
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS if "gzip" in name else zlib.MAX_WBITS)
    try:
        for data in raw:
            while data and not decoder.eof:
                piece = decoder.decompress(data, READ_PIECE)
                data = decoder.unconsumed_tail
                if piece:
                    yield piece
        rest = decoder.flush()
    except zlib.error:
        raise ProtocolError(f"{what}: the answer's {name} body is corrupt", source=source) from None
    if rest:
        yield rest


def _too_large(what: str, size: int, cap: int, source: str) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{what}: the answer is larger than {cap / MEGABYTE:.0f} MB (at least {size / MEGABYTE:.1f} MB "
        "once decompressed); refused (raise max_response_mb if the server is trusted)",
        source=source,
    )


class ServerClock:
    """The tracker's time, from the `Date` header of its first answer carrying one."""

    def __init__(self) -> None:
        self.first: datetime | None = None

    def observe(self, headers: Mapping[str, str]) -> None:
        """Note the server's time from one answer's headers (the first valid Date is kept)."""
        if self.first is not None:
            return
        value = headers.get("Date") or headers.get("date")
        if not value:
            return
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return
        self.first = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    @property
    def known(self) -> bool:
        return self.first is not None

    def safe_start(self, local: datetime) -> datetime:
        """A watermark basis for a run started at `local`: the earlier of it and the server's first Date.

        A host clock ahead of the tracker's would skip the changes made in between; a server whose
        Date runs ahead (or lies) must not push the watermark past what it has served. The
        earlier one can only re-read a little more, which the upserts absorb.
        """
        return local if self.first is None else min(local, self.first)
