"""The sandbox's fixed credentials: a made-up e-mail and a token that is not a secret."""

from __future__ import annotations

SANDBOX_EMAIL = "sandbox@orgpulse.invalid"
SANDBOX_TOKEN = "sandbox-token-not-a-secret"
