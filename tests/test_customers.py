"""SPEC "Customers table": read_customers reads the message loader's formats into typed columns."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest

import toolkit
from toolkit.errors import DataError

CSV = (
    "customer_id,VIP,followers,monthly_revenue,churned_at,segment,region\n"
    "c1,yes,1200,49.90,,gold,north\n"
    "c2,no,12.5k,\"1,234.50\",2025-03-01 10:00,basic,south\n"
    "c3,,abc,\"12,50\",2025-03-02T09:00:00+02:00,basic,\n"
    ",true,1,1,,gold,x\n"
    "c1,no,5,5,,basic,y\n"
)


def test_typed_columns_and_other_columns_kept():
    result = toolkit.load_customers(CSV.encode())
    c = result.customers
    assert c.columns == ["customer_id", "vip", "followers", "monthly_revenue", "churned_at", "segment", "region"]
    assert c.schema["vip"] == pl.Boolean and c.schema["followers"] == pl.Int64
    assert c.schema["monthly_revenue"] == pl.Float64
    assert c.schema["churned_at"] == pl.Datetime("us", "UTC")
    assert c["customer_id"].to_list() == ["c1", "c2", "c3"]
    assert c["vip"].to_list() == [True, False, None]
    assert c["followers"].to_list() == [1200, 12500, None]
    assert c["monthly_revenue"].to_list() == [49.9, 1234.5, 12.5]
    utc = dt.UTC
    assert c["churned_at"].to_list() == [None, dt.datetime(2025, 3, 1, 10, tzinfo=utc),
                                         dt.datetime(2025, 3, 2, 7, tzinfo=utc)]
    assert c["region"].to_list() == ["north", "south", None]
    q = result.quality
    assert q.input_rows == 5 and q.used_rows == 3 and q.dropped_rows == 2
    reasons = {(i.column, i.reason, i.action, i.first_rows) for i in q.issues}
    assert ("followers", "not readable as followers (a whole number) (left empty)", "kept", (3,)) in reasons
    assert ("customer_id", "missing (row dropped)", "dropped", (4,)) in reasons
    assert ("customer_id", "duplicate (the first row is kept)", "dropped", (5,)) in reasons


def test_same_formats_as_messages(tmp_path):
    frame = pl.DataFrame({"customer_id": ["a", "b"], "vip": [True, False], "monthly_revenue": [1.0, 2.5]})
    frame.write_parquet(tmp_path / "c.parquet")
    frame.write_excel(tmp_path / "c.xlsx")
    semicolon = "customer_id;vip;monthly_revenue\na;true;1\nb;false;2,5\n".encode("cp1252")
    expected = [("a", True, 1.0), ("b", False, 2.5)]
    for source in (tmp_path / "c.parquet", tmp_path / "c.xlsx", semicolon, io.BytesIO(semicolon),
                   frame, frame.lazy(), frame.to_pandas()):
        c = toolkit.read_customers(source)
        assert c.select("customer_id", "vip", "monthly_revenue").rows() == expected, source


def test_missing_customer_id_names_the_columns_found():
    with pytest.raises(DataError, match=r"no customer_id column.*'name', 'vip'"):
        toolkit.read_customers(b"name,vip\nx,yes\n")
    c = toolkit.read_customers(b"name,vip\nx,yes\n", mapping={"customer_id": "name"})
    assert c.rows() == [("x", True)]
    with pytest.raises(DataError, match="no such column"):
        toolkit.read_customers(b"name,vip\nx,yes\n", mapping={"customer_id": "nom"})
    with pytest.raises(DataError, match="unknown customer columns"):
        toolkit.read_customers(b"name,vip\nx,yes\n", mapping={"client": "name"})
    with pytest.raises(DataError, match="empty"):
        toolkit.read_customers(b"")


def test_numeric_ids_read_like_message_ids():
    c = toolkit.read_customers(pl.DataFrame({"customer_id": [115712.0, 3.0]}))
    assert c["customer_id"].to_list() == ["115712", "3"]


def test_a_wide_customers_file_without_an_id_gets_a_short_message(tmp_path):
    # 3,000 columns and none is a customer id: the message lists a few, then "and N more".
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"col_{i}" for i in range(3000)) + "\n" + ",".join("1" for _ in range(3000)) + "\n")
    with pytest.raises(DataError) as caught:
        toolkit.read_customers(path)
    text = str(caught.value)
    assert len(text) < 400 and "'col_0'" in text and "2,988 more" in text
