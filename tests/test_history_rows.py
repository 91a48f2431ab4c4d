"""model.HistoryRows: history entries kept as columns read as the `History` records they hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orgpulse.model import Batch, History, HistoryRows
from orgpulse.store.batch import columns_of, field_values

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
RECORDS = [History("1", str(n), T0 + timedelta(hours=n), None if n % 2 else "acc", n) for n in range(4)]


def test_rows_read_as_the_records_they_were_given() -> None:
    rows = HistoryRows()
    for record in RECORDS:
        rows.add(record.issue_id, record.history_id, record.at, record.actor_id, record.item_count)
    assert len(rows) == 4
    assert list(rows) == RECORDS
    assert rows == RECORDS
    assert rows == HistoryRows(RECORDS)
    assert rows[1] == RECORDS[1]
    assert rows[-1] == RECORDS[-1]
    assert rows[1:3] == RECORDS[1:3]
    assert isinstance(rows[1:3], HistoryRows)
    assert rows != RECORDS[:3]
    assert rows != HistoryRows(RECORDS[::-1])


def test_a_batch_extends_rows_with_rows_or_records() -> None:
    batch = Batch()
    batch.extend(Batch(histories=HistoryRows(RECORDS[:2])))
    batch.extend(Batch(histories=list(RECORDS[2:])))
    assert isinstance(batch.histories, HistoryRows)
    assert batch.histories == RECORDS
    plain = Batch(histories=[])
    plain.extend(Batch(histories=HistoryRows(RECORDS)))
    assert plain.histories == RECORDS


def test_the_store_reads_rows_and_records_as_the_same_columns() -> None:
    assert columns_of("s", HistoryRows(RECORDS)) == columns_of("s", RECORDS)
    assert field_values(HistoryRows(RECORDS), "actor_id") == [None if n % 2 else "acc" for n in range(4)]
