"""Finds and loads Linear's real GraphQL schema (shared/api/linear/schema.graphql), once per process.

Nothing is shipped with the package: the schema is read from the `shared/` folder that sits beside
the checkout (`<repo>/../shared`), else from the folder named by `$ORGPULSE_SHARED` (an installed
package has no checkout to look beside). A missing file is a `ConfigError` with one line saying
where it was looked for.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from graphql import GraphQLSchema, build_schema

from orgpulse.errors import ConfigError

SHARED_ENV = "ORGPULSE_SHARED"
SCHEMA_PARTS = ("api", "linear", "schema.graphql")


def schema_candidates() -> list[Path]:
    """Where the schema may be, in the order they are tried: beside the checkout, then $ORGPULSE_SHARED."""
    # src/orgpulse/sandbox/<this file>: parents[3] is the repository root; shared/ sits beside it.
    repo = Path(__file__).resolve().parents[3]
    found = [repo.parent.joinpath("shared", *SCHEMA_PARTS)]
    explicit = os.environ.get(SHARED_ENV, "").strip()
    if explicit:
        found.append(Path(explicit).expanduser().joinpath(*SCHEMA_PARTS))
    return found


def schema_path() -> Path:
    """The schema file to use, or a ConfigError naming every place tried."""
    candidates = schema_candidates()
    for path in candidates:
        if path.is_file():
            return path
    tried = " or ".join(str(p) for p in candidates)
    hint = f"set {SHARED_ENV} to the shared/ folder"
    raise ConfigError([f"the Linear sandbox needs Linear's schema: none at {tried} ({hint})"])


@functools.cache
def _load(path: str) -> GraphQLSchema:
    return build_schema(Path(path).read_text(encoding="utf-8"))


def linear_schema() -> GraphQLSchema:
    """Linear's schema, built once (about 0.7 s) and shared by every app of the process."""
    return _load(str(schema_path()))
