"""Loads Linear's real GraphQL schema, once per process.

The schema ships inside the package (`schema.graphql` beside this module, a copy of
shared/api/linear/schema.graphql that tests/test_sandbox_linear.py keeps identical), so an
installed wheel serves the Linear dialect with no checkout around it.
"""

from __future__ import annotations

import functools
from importlib import resources

from graphql import GraphQLSchema, build_schema

SCHEMA_FILE = "schema.graphql"


def schema_text() -> str:
    """The shipped schema's SDL."""
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@functools.cache
def linear_schema() -> GraphQLSchema:
    """Linear's schema, built once (about 0.7 s) and shared by every app of the process."""
    return build_schema(schema_text())
