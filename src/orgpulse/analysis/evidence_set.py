"""A detector's evidence kept as columns until it is shown or stored (`Evidence`).

A big organisation's evidence is millions of items: as one dict each they held gigabytes through the
whole run. Here the items of one shape are a `Block` (a column per field, or a constant), and an
`Evidence` orders blocks' items per row key (team code, week index) with three integer arrays. A
row's items become dicts only when asked for (`items`: the findings' `evidence`, the 20 shown); the
stored JSON text of every row is made column by column (`json_texts`), with the bytes orjson gives
the dicts.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

RowKey = tuple[int, int]
Items = dict[RowKey, list[dict[str, Any]]]

WEEK_BITS = 20  # a row key packed as team << WEEK_BITS | week
TEXT = pa.large_string()


def packed(team: np.ndarray, week: np.ndarray) -> np.ndarray:
    """Row keys as one int64 each, ordered like the (team, week) tuples."""
    key: np.ndarray = (np.asarray(team, dtype=np.int64) << WEEK_BITS) | np.asarray(week, dtype=np.int64)
    return key


def _lit(text: str) -> pa.Scalar:
    return pa.scalar(text, TEXT)


@dataclass(frozen=True)
class Coded:
    """A column of values given as codes into `labels` (issue keys by issue code)."""

    codes: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True)
class Const:
    """A field with the same value in every item of a block."""

    value: Any


Column = np.ndarray | Coded | Const


def _python(column: Column, i: int) -> Any:
    """The JSON-ready Python value of item `i` of a column (NaN as None)."""
    if isinstance(column, Const):
        return column.value
    if isinstance(column, Coded):
        return column.labels[column.codes[i]]
    value = column[i]
    if column.dtype.kind == "f":
        return None if value != value else float(value)
    if column.dtype.kind in "iu":
        return int(value)
    if column.dtype.kind == "b":
        return bool(value)
    return None if isinstance(value, float) and value != value else value


def _texts(column: Column, size: int) -> pa.Array | pa.Scalar:
    """Each value's JSON text, as orjson writes it (a constant: one scalar)."""
    if isinstance(column, Const):
        return _lit(orjson.dumps(column.value).decode())
    if isinstance(column, Coded):
        used, at = np.unique(column.codes, return_inverse=True)
        return _texts(column.labels[used].astype(object), len(used)).take(pa.array(at.reshape(-1)))
    if column.dtype.kind in "fiub":
        if not size:
            return pa.array([], TEXT)
        listed = orjson.dumps(column, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].decode()
        return pc.split_pattern(pa.array([listed], TEXT), ",").flatten()
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    table = pa.concat_arrays([_value_texts(np.asarray(uniques, dtype=object)), pa.array(["null"], TEXT)])
    return table.take(pa.array(np.where(codes < 0, len(uniques), codes)))


PLAIN_TEXT = r"^[ !#-\[\]-~]*$"  # printable ASCII but quote and backslash: JSON needs no escape


def _value_texts(values: np.ndarray) -> pa.Array:
    """Distinct values' JSON texts: strings that need no escape quoted as they are, column by
    column (issue keys, names); any other value by orjson."""
    if pd.api.types.infer_dtype(values, skipna=False) != "string":
        return pa.array([orjson.dumps(value).decode() for value in values.tolist()], TEXT)
    strings = pa.array(values, TEXT)
    plain = pc.match_substring_regex(strings, PLAIN_TEXT)
    quoted = pc.binary_join_element_wise(_lit('"'), strings, _lit('"'), _lit(""))
    if pc.all(plain).as_py():
        return quoted
    escaped = [orjson.dumps(value).decode() for value in values.tolist()]
    return pc.if_else(plain, quoted, pa.array(escaped, TEXT))


@dataclass(frozen=True)
class Block:
    """Items of one shape: `names` in order, each a column of one value per item or a constant;
    or (no names) ready dicts in `dicts`, for the few items detectors build one by one."""

    size: int
    names: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()
    dicts: Sequence[dict[str, Any]] = ()

    def item(self, i: int) -> dict[str, Any]:
        if not self.names:
            return self.dicts[i]
        return {name: _python(column, i) for name, column in zip(self.names, self.columns, strict=True)}

    def field(self, name: str) -> np.ndarray:
        """A float per item: its value of `name`, 0 when missing or null (the order of `by_hours`)."""
        values: np.ndarray
        column = self.columns[self.names.index(name)] if name in self.names else Const(0.0)
        if not self.names:
            values = np.array([float(d.get(name) or 0.0) for d in self.dicts], dtype=float)
        elif isinstance(column, Const):
            values = np.full(self.size, float(column.value or 0.0))
        else:
            values = np.asarray(column, dtype=float)
        known: np.ndarray = np.where(np.isnan(values), 0.0, values)
        return known

    def texts(self, at: np.ndarray) -> pa.Array:
        """The JSON texts of items `at` (indices into the block), in that order: an item's text does
        not depend on which others are made with it."""
        if not self.names:
            dicts = self.dicts
            return pa.array([orjson.dumps(dicts[i]).decode() for i in at.tolist()], TEXT)
        parts: list[Any] = []
        for n, (name, column) in enumerate(zip(self.names, self.columns, strict=True)):
            head = ("{" if n == 0 else ",") + orjson.dumps(name).decode() + ":"
            value = _texts(_taken(column, at), len(at))
            if isinstance(value, pa.Scalar):
                head += value.as_py()
                parts.append(_lit(head))
                continue
            parts += [_lit(head), value]
        parts.append(_lit("}"))
        if not any(isinstance(p, pa.Array) for p in parts):
            return pa.array(["".join(p.as_py() for p in parts)] * len(at), TEXT)
        return pc.binary_join_element_wise(*parts, _lit(""))


def _taken(column: Column, at: np.ndarray) -> Column:
    """The values of items `at` of a column."""
    if isinstance(column, Const):
        return column
    if isinstance(column, Coded):
        return Coded(column.codes[at], column.labels)
    values: np.ndarray = column[at]
    return values


@dataclass(frozen=True, eq=False)
class Evidence:
    """Items per row key: item k is item `index[k]` of block `block[k]`, in row `rows[k]` (packed,
    ascending; a row's items in their order)."""

    rows: np.ndarray
    block: np.ndarray
    index: np.ndarray
    blocks: tuple[Block, ...]

    def __len__(self) -> int:
        return len(self.rows)

    @functools.cached_property
    def starts(self) -> np.ndarray:
        """Where each block's items start among all blocks' items."""
        starts: np.ndarray = np.zeros(len(self.blocks) + 1, dtype=np.int64)
        np.cumsum([b.size for b in self.blocks], out=starts[1:])
        return starts

    def items(self, key: RowKey, limit: int | None = None) -> list[dict[str, Any]]:
        """The row's items as dicts, the first `limit` of them if given."""
        wanted = int(packed(np.array([key[0]]), np.array([key[1]]))[0])
        lo = int(np.searchsorted(self.rows, wanted))
        hi = int(np.searchsorted(self.rows, wanted + 1))
        hi = hi if limit is None else min(hi, lo + limit)
        blocks, picked = self.blocks, zip(self.block[lo:hi].tolist(), self.index[lo:hi].tolist(), strict=True)
        return [blocks[b].item(i) for b, i in picked]

    def json_texts(self, keys: Sequence[RowKey], limit: int | None = None) -> list[str]:
        """The JSON list of each row's items (`limit` first ones if given), as orjson writes the dicts."""
        return list(self.json_text_array(keys, limit).to_pylist())

    def json_text_array(self, keys: Sequence[RowKey], limit: int | None = None) -> pa.Array:
        """`json_texts` as an Arrow array of strings: no Python string made."""
        team = np.fromiter((k[0] for k in keys), dtype=np.int64, count=len(keys))
        week = np.fromiter((k[1] for k in keys), dtype=np.int64, count=len(keys))
        wanted = packed(team, week)
        lo = np.searchsorted(self.rows, wanted)
        count = np.searchsorted(self.rows, wanted + 1) - lo
        if limit is not None:
            count = np.minimum(count, limit)
        offsets: np.ndarray = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(count, out=offsets[1:])
        picked = np.repeat(lo - offsets[:-1], count) + np.arange(offsets[-1], dtype=np.int64)
        texts = self._texts(self.block[picked], self.index[picked])
        lists = pa.LargeListArray.from_arrays(pa.array(offsets), texts)
        del texts
        # Step by step, each step's input let go: a big organisation's stored evidence is hundreds
        # of megabytes at each step.
        joined = pc.binary_join(lists, _lit(","))
        del lists
        return pc.binary_join_element_wise(_lit("["), joined, _lit("]"), _lit(""))

    def _texts(self, block: np.ndarray, index: np.ndarray) -> pa.Array:
        """The JSON texts of items (block[k], index[k]), in that order: made for those items only (the
        20 shown of each row are a fraction of the items)."""
        if len(self.blocks) == 1:
            return self.blocks[0].texts(index)
        order = np.argsort(block, kind="stable")
        edges = np.asarray(np.searchsorted(block[order], np.arange(len(self.blocks) + 1))).tolist()
        pieces = [
            b.texts(index[order[lo:hi]]) for b, lo, hi in zip(self.blocks, edges[:-1], edges[1:], strict=True)
        ]
        in_blocks = pa.concat_arrays(pieces)
        del pieces
        back: np.ndarray = np.empty(len(order), dtype=np.int64)
        back[order] = np.arange(len(order), dtype=np.int64)
        return in_blocks.take(pa.array(back))


EMPTY = Evidence(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), ())


def of_block(team: np.ndarray, week: np.ndarray, block: Block) -> Evidence:
    """A block's items grouped by row key, in their order inside a row (team and week per item)."""
    rows = packed(team, week)
    order = np.argsort(rows, kind="stable")
    return Evidence(rows[order], np.zeros(len(order), np.int64), order.astype(np.int64), (block,))


def of_items(items: Items) -> Evidence:
    """Items built as dicts, per row key."""
    keys = sorted(items)
    dicts = [item for key in keys for item in items[key]]
    sizes = [len(items[key]) for key in keys]
    team: np.ndarray = np.repeat(np.array([k[0] for k in keys], dtype=np.int64), sizes)
    week: np.ndarray = np.repeat(np.array([k[1] for k in keys], dtype=np.int64), sizes)
    return of_block(team, week, Block(len(dicts), dicts=dicts))


def merged(*parts: Evidence | Items) -> Evidence:
    """Each row's items of every part, in argument order."""
    sets = [part if isinstance(part, Evidence) else of_items(part) for part in parts]
    sets = [s for s in sets if len(s)]
    if not sets:
        return EMPTY
    if len(sets) == 1:
        return sets[0]
    shift = np.cumsum([0, *(len(s.blocks) for s in sets[:-1])])
    rows = np.concatenate([s.rows for s in sets])
    order = np.argsort(rows, kind="stable")
    block = np.concatenate([s.block + k for s, k in zip(sets, shift.tolist(), strict=True)])
    index = np.concatenate([s.index for s in sets])
    blocks = tuple(b for s in sets for b in s.blocks)
    return Evidence(rows[order], block[order], index[order], blocks)


def ordered_by(part: Evidence | Items, name: str) -> Evidence:
    """Each row's items, largest `name` first (missing or null as 0; stable for ties)."""
    found = part if isinstance(part, Evidence) else of_items(part)
    if not len(found):
        return found
    values = np.concatenate([b.field(name) for b in found.blocks])
    value = values[found.starts[found.block] + found.index]
    order = np.lexsort((-value, found.rows))
    return Evidence(found.rows[order], found.block[order], found.index[order], found.blocks)


def of_columns(team: np.ndarray, week: np.ndarray, fields: Mapping[str, Column]) -> Evidence:
    """Items with these fields (columns of one value per item, or constants), grouped per row key."""
    columns = tuple(fields.values())
    return of_block(team, week, Block(len(team), tuple(fields), columns))
