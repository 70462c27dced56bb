"""The compatibility layer: KQL duckdb-kql lacks, run through stages, rewrites and added functions.

Expected values come from Microsoft's KQL documentation where it has an example (cited per test)
and otherwise from the operator's documented definition, worked by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpers import dataset
from sentinel_dac.engine import UnsupportedKql

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)

DATA = """let _data = datatable(xxx:long, l:dynamic)[1, dynamic([1,3,5]), 0, dynamic([2,4])];
"""


def run(engine, query: str, data=None):
    engine.load(dataset(data or {}))
    return engine.run(query, NOW)


def test_mv_apply_top_level_summarize_per_row(engine):
    # https://learn.microsoft.com/kusto/query/mv-apply-operator "Calculate the sum of ... in each array"
    result = run(engine, DATA + "_data | mv-apply e = l to typeof(long) on (summarize s = sum(e))")
    assert result.columns == ["xxx", "l", "s"]
    assert [(r[0], r[2]) for r in result.rows] == [(1, 9), (0, 6)]


def test_mv_apply_unnamed_column_replaces_it_and_subquery_sees_other_columns(engine):
    query = DATA + "_data | mv-apply l to typeof(long) on (where l > xxx | extend d = l * 10)"
    result = run(engine, query)
    assert result.columns == ["xxx", "l", "d"]
    assert result.rows == [(1, 3, 30), (1, 5, 50), (0, 2, 20), (0, 4, 40)]


def test_mv_apply_named_expansion_keeps_the_array_for_a_second_apply(engine):
    query = (
        'datatable(id:long, T:dynamic)[1, dynamic([{"type":"Role","n":"Admin"},{"type":"User","n":"bob"}])]'
        '\n| mv-apply R = T on (where R.type == "Role" | extend Role = tostring(R.n))'
        '\n| mv-apply R = T on (where R.type == "User" | extend UserName = tostring(R.n))'
        "\n| project id, Role, UserName"
    )
    assert run(engine, query).rows == [(1, "Admin", "bob")]


def test_mv_apply_project_and_summarize_by_keep_rows_apart(engine):
    query = DATA + "_data | mv-apply e = l to typeof(long) on (project odd = e % 2 | summarize c = count() by odd)"
    result = run(engine, query)
    assert sorted((r[0], r[-2], r[-1]) for r in result.rows) == [(0, 0, 2), (1, 1, 3)]


def test_mv_apply_in_a_let_body_and_a_join_side(engine):
    query = (
        DATA + "let expanded = _data | mv-apply e = l to typeof(long) on (summarize s = sum(e));\n"
        "_data | project xxx | join kind=inner (expanded) on xxx | project xxx, s | order by xxx asc"
    )
    assert run(engine, query).rows == [(0, 6), (1, 9)]


def test_mv_apply_refuses_top_in_the_subquery_at_its_position(engine):
    query = DATA + "_data | mv-apply e = l to typeof(long) on (top 1 by e desc)"
    with pytest.raises(UnsupportedKql) as err:
        run(engine, query)
    assert err.value.offset == query.index("top 1")
    assert "top" in err.value.message
