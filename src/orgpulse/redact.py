"""Keeping credentials out of every text orgpulse prints, logs or stores.

Two kinds of secret can reach a message: a URL's own credentials (`user:pass@host`,
`?password=...`), and the tokens of the configured sources, which a hostile or careless server
echoes back in its error text (a 400 quoting the Authorization header). `redact_url` removes the
first; a `Redactor`, built from the settings' secrets, replaces every known secret value — raw,
in `user:token` form and base64-encoded as Basic auth sends it — with `***`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words
_SECRET_PARAMS = re.compile(r"pass|secret|token|key|auth|credential", re.I)
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^/@\s]*)@")


def redact_url(url: str) -> str:
    """The URL with its user name, password and secret-looking query parameters masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if _SECRET_PARAMS.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def strip_credentials(url: str) -> str:
    """The URL without `user:pass@`: what may be stored and shown as a source's address."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class Redactor:
    """Replaces every known secret value (and its Basic-auth forms) in a text with `***`."""

    def __init__(self, secrets: Iterable[str], users: Iterable[str] = ()) -> None:
        values = {s.strip() for s in secrets if len(s.strip()) >= MIN_SECRET_LENGTH}
        forms: set[str] = set(values)
        for user in {u for u in users if u}:
            for secret in values:
                pair = f"{user}:{secret}"
                forms.add(pair)
                forms.add(base64.b64encode(pair.encode()).decode())
        for secret in values:
            forms.add(base64.b64encode(secret.encode()).decode().rstrip("="))
        self._forms = sorted(forms, key=len, reverse=True)  # longest first: a pair before its token
        # A text holds a form holding another one (`user:token` holds `token`) only if it holds that
        # one too: `holds_secret` looks for the others alone (a sync page's payloads are megabytes).
        probes = [f for f in self._forms if not any(other != f and other in f for other in self._forms)]
        self._probes = probes
        self._bytes = [form.encode() for form in probes]

    def __call__(self, text: str) -> str:
        return _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", self.secrets_masked(text))

    def holds_secret(self, text: str | bytes) -> bool:
        """Whether `text` (or UTF-8 bytes) holds a known secret value, in any of its forms."""
        if isinstance(text, str):
            return any(form in text for form in self._probes)
        return any(form in text for form in self._bytes)

    def secrets_masked(self, text: str) -> str:
        """`text` with every known secret value masked; nothing else changed (a URL's user stays)."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text


def scrub_error(exc: BaseException, redactor: Redactor) -> None:
    """Redact the error's message in place, so every later view (print, JSON, the runs journal) is clean."""
    if exc.args:
        exc.args = tuple(redactor(a) if isinstance(a, str) else a for a in exc.args)


class _Revealing(Protocol):
    def reveal(self) -> str: ...


class _Credentialed(Protocol):
    @property
    def token(self) -> _Revealing: ...

    @property
    def user(self) -> _Revealing | None: ...


def redactor_of(*sources: _Credentialed) -> Redactor:
    """What must never appear in a text about these sources: their tokens, alone or with their users."""
    users = [s.user.reveal() for s in sources if s.user is not None]
    return Redactor([s.token.reveal() for s in sources], users)
