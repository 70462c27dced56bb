"""The embedded engine: duckdb-kql on an in-process DuckDB, the default for tests.

Per query the work is: prepare (rewrites, stage plan; cached by query text),
make sure each table the query names has its windowed view, translate each
KQL step with duckdb-kql (cached: `now` is a bound parameter, so one
translation serves every run of a backtest) and execute. Refusals of
duckdb-kql become `UnsupportedKql` at the author's offset; the engine never
guesses at a construct it lacks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import duckdb_kql

from .base import describe_construct
from .dataset import DataSet, Window
from .duckdb_tables import create_data_table, create_view, create_watchlist_table, insert_rows, q, storable_columns
from .errors import EngineError, QueryFailed, UnsupportedKql
from .extensions import install as install_extensions
from .extensions import install_macros
from .kqltypes import DUCKDB_TYPES
from .prepare import HIDDEN_INGESTION, KqlStep, Prepared, StageStep, prepare, prepare_function, watchlist_table
from .results import QueryResult, duckdb_value, kql_type_of
from .syntax import Mapped, copy_with_edits, parse, tokens

_HIDDEN = re.compile(rf"^{HIDDEN_INGESTION}\d*$")


class EmbeddedEngine:
    """duckdb-kql on DuckDB. Not thread-safe: use one engine per thread."""

    name = "embedded"

    def __init__(self) -> None:
        install_extensions()
        self._con: Any = None
        self._prepared: dict[tuple, Prepared] = {}
        self._sql: dict[tuple, tuple[str, dict]] = {}
        self._reset()

    def _reset(self) -> None:
        """Forget the loaded data; translations stay cached (their keys hold everything they depend on)."""
        self._data: DataSet | None = None
        self._columns: dict[str, list[tuple[str, str]]] = {}
        self._views: dict[str, tuple] = {}
        self._stored: dict[str, frozenset[str]] = {}
        self._extra_schema: dict[str, list[str]] = {}
        self._functions: list[str] = []
        self._function_names: dict[str, str] = {}

    # -- loading -----------------------------------------------------------------------------------------------
    def load(self, data: DataSet) -> None:
        if self._con is None:
            self._con = duckdb_kql.connect()
            install_macros(self._con)
        else:
            self._drop_all()
        self._reset()
        self._data = data
        for name, table in data.tables.items():
            self._columns[name] = create_data_table(self._con, table.schema, table)
        for alias in sorted(data.watchlists):
            wl = data.watchlists[alias]
            table = watchlist_table(wl.alias, data)
            cols = create_watchlist_table(self._con, table, wl)
            self._extra_schema[table] = [n for n, _ in cols]
        for fd in data.functions:
            self._functions.append(prepare_function(fd, data))
            self._function_names[fd.name] = fd.body

    def load_sql(self, table: str, select_sql: str, columns: Iterable[str] | None = None) -> None:
        """Bulk-load a sample table from a DuckDB SELECT (columns by name; `__sdac_ingestion_time` optional).

        For recorded logs too large to type row by row in Python (backtests,
        benchmarks): DuckDB reads and casts them itself. `columns` (the ones the
        rows fill) stores only those; queries still see every catalogue column,
        the others as nulls — storing hundreds of empty columns costs more than
        reading the logs.
        """
        assert self._data is not None, "load() a DataSet first"
        schema = self._data.catalog.get(table)
        if schema is None:
            raise QueryFailed(f"table {table} is not in the catalogue")
        only = None
        prefer: frozenset[str] = frozenset()
        if columns is not None:  # DuckDB names are case-insensitive: keep the spelling the data uses
            prefer = frozenset(columns)
            wanted = {c.lower() for c in prefer} | {"timegenerated"}
            only = frozenset(n for n, _ in storable_columns(schema, None, prefer) if n.lower() in wanted)
        self._columns[table] = create_data_table(self._con, schema, None, only, prefer)
        if only is not None:
            self._stored[table] = only
        self._con.execute(f"INSERT INTO {q('__sdac_data_' + table)} BY NAME ({select_sql})")
        self._views.pop(table, None)

    @property
    def data(self) -> DataSet | None:
        """The loaded data set (None before `load`)."""
        return self._data

    @property
    def connection(self) -> Any:
        return self._con

    def fork(self) -> EmbeddedEngine:
        """Another engine over the same stored tables, for another thread (backtests run rules in parallel).

        It has its own DuckDB connection to the same database, so its windowed
        views and stage tables (temporary, per connection) never meet ours;
        the data is not copied. Load nothing into a fork: it shares our data.
        """
        other = EmbeddedEngine.__new__(EmbeddedEngine)
        other._con = self._con.cursor()
        other._con.execute("SET TimeZone='UTC'")
        other._prepared, other._sql = {}, {}
        other._reset()
        other._data = self._data
        other._columns = dict(self._columns)
        other._stored = dict(self._stored)
        other._extra_schema = dict(self._extra_schema)
        other._functions = list(self._functions)
        other._function_names = dict(self._function_names)
        return other

    def _drop_all(self) -> None:
        """Empty the connection for the next data set (cheaper than a new connection per test case)."""
        for name, kind, temporary in self._con.execute(
            "SELECT table_name, table_type, table_schema = 'temp' OR table_catalog = 'temp' "
            "FROM information_schema.tables"
        ).fetchall():
            what = "VIEW" if kind == "VIEW" else "TABLE"
            self._con.execute(f"DROP {what} IF EXISTS {'temp.' if temporary else ''}{q(name)}")

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        self._reset()

    # -- running -----------------------------------------------------------------------------------------------
    def run(self, query: str, now: datetime, window: Window | None = None) -> QueryResult:
        if self._data is None:
            raise EngineError("no data loaded: call load() first")
        key = (query, tuple(sorted(self._data.watchlists)))
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepared[key] = prepare(query, self._data)
        try:
            return self._run(prepared, now, window)
        except EngineError as exc:
            if exc.function is None:
                exc.offset = prepared.author_offset(exc.offset)
            raise

    def _run(self, prepared: Prepared, now: datetime, window: Window | None) -> QueryResult:
        hidden = prepared.uses_ingestion_time or self._functions_use_ingestion()
        self._ensure_views(prepared, window, hidden)
        notes: list[str] = []
        result = None
        stage_tables: dict[str, list[str]] = {}
        for step in prepared.steps:
            if isinstance(step, KqlStep):
                result = self._kql(prepared, step.text(stage_tables), now, hidden, stage_tables, step.into)
            else:
                notes += self._stage(prepared, step, now, hidden, stage_tables)
        assert result is not None
        result.notes = notes
        return result

    def _functions_use_ingestion(self) -> bool:
        return any(HIDDEN_INGESTION in f for f in self._functions)

    def _ensure_views(self, prepared: Prepared, window: Window | None, hidden: bool) -> None:
        assert self._data is not None
        catalog = self._data.catalog
        names = set(prepared.names)
        for body in self._function_names.values():
            names |= set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", body))
        for name in sorted(n for n in names if catalog.get(n) is not None):
            if name not in self._columns:
                self._columns[name] = create_data_table(self._con, catalog.get(name), None, prefer=frozenset(names))
            self._check_case(prepared, name, names)
            key = (window, hidden)
            if self._views.get(name) != key:
                cols = self._columns[name]
                has_time = any(n == "TimeGenerated" for n, _ in cols)
                w = (
                    window
                    if has_time or window is None
                    else Window(None, None, window.ingested_after, window.ingested_until)
                )
                create_view(self._con, name, cols, w, hidden, self._stored.get(name))
                self._views[name] = key

    def _check_case(self, prepared: Prepared, table: str, names: set[str]) -> None:
        """Columns differing only in case: DuckDB holds one; a query reading another is refused.

        An empty table is re-created holding the variant the query reads, so only a query that
        reads both variants, or the one the samples do not use, is refused.
        """
        assert self._data is not None
        schema = self._data.catalog.get(table)
        held = {n.casefold(): n for n, _ in self._columns[table]}
        for col in schema.columns:
            kept = held.get(col.name.casefold())
            if kept == col.name or col.name not in names:
                continue
            data = self._data.tables.get(table)
            if kept not in names and not (data and data.rows):
                self._columns[table] = create_data_table(self._con, schema, None, prefer=frozenset(names))
                self._views.pop(table, None)
                held = {n.casefold(): n for n, _ in self._columns[table]}
                continue
            where = re.search(rf"(?<![\w.]){re.escape(col.name)}(?!\w)", prepared.original)
            why = "read by the query" if kept in names else "used by the samples"
            raise UnsupportedKql(
                "case-distinct columns",
                f"unsupported KQL: {table} has columns {kept} and {col.name}, which differ only in case; the "
                f"embedded engine (DuckDB) holds one per name ({kept}, {why}) "
                f"and this query reads {col.name}",
                where.start() if where else None,
            )

    def _schema(self, hidden: bool, stage_tables: dict[str, list[str]]) -> dict[str, list[str]]:
        schema = {t: [n for n, _ in cols] + ([HIDDEN_INGESTION] if hidden else []) for t, cols in self._columns.items()}
        return {**schema, **self._extra_schema, **stage_tables}

    def _translate(
        self, prepared: Prepared, text: Mapped, now: datetime, hidden: bool, stage_tables
    ) -> tuple[str, dict]:
        schema = self._schema(hidden, stage_tables)
        key = (text.text, tuple(self._functions), tuple((t, tuple(c)) for t, c in sorted(schema.items())))
        cached = self._sql.get(key)
        if cached is None:
            try:
                tr = duckdb_kql.to_sql(
                    text.text,
                    schema=schema,
                    query_now=_naive(now),
                    functions=self._functions or None,
                )
            except duckdb_kql.KqlUnsupportedError as exc:
                raise self._unsupported(prepared, text, exc) from None
            except duckdb_kql.KqlSyntaxError as exc:
                raise self._unsupported(prepared, text, exc) from None
            except duckdb_kql.KqlSchemaError as exc:
                if "unknown table" in (exc.hint or ""):
                    raise _runtime_error(prepared, Exception(f"Table with name {exc.name} does not exist")) from None
                if "differ only in case" in str(exc):
                    offset = _offset(text, exc)
                    raise UnsupportedKql(
                        "case-distinct columns",
                        f"unsupported KQL: {exc} (the embedded engine's DuckDB folds column names' case)",
                        offset if offset is not None else _first_quoted_name(prepared.original, str(exc)),
                    ) from None
                raise QueryFailed(f"the query cannot run: {exc}", _offset(text, exc)) from None
            except duckdb_kql.KqlError as exc:
                raise QueryFailed(f"the query cannot run: {exc}", _offset(text, exc)) from None
            cached = self._sql[key] = (str(tr), dict(tr.parameters))
        sql, params = cached
        if "kqlnow" in params:
            params = {**params, "kqlnow": _naive(now)}
        return sql, params

    def _kql(self, prepared, text: Mapped, now, hidden, stage_tables, into: str | None) -> QueryResult | None:
        sql, params = self._translate(prepared, text, now, hidden, stage_tables)
        try:
            if into is not None:
                self._con.execute(f"CREATE OR REPLACE TEMP TABLE {q(into)} AS {sql}", params or None)
                stage_tables[into] = [r[0] for r in self._con.execute(f"DESCRIBE {q(into)}").fetchall()]
                return None
            cursor = self._con.execute(sql, params or None)
            description = cursor.description or []
            rows = cursor.fetchall()
        except duckdb_kql.KqlError as exc:
            raise QueryFailed(f"the query failed: {exc}", text.origin(0)) from None
        except Exception as exc:  # duckdb.Error and its kin: a runtime failure of supported KQL
            raise _runtime_error(prepared, exc) from None
        return _result(description, rows)

    def _stage(self, prepared: Prepared, step: StageStep, now, hidden, stage_tables) -> list[str]:
        engine = self

        class Runner:
            def fragment(self, start: int, end: int) -> Mapped:
                return copy_with_edits(Mapped(), prepared.original, start, end, step.edits)

            def lets(self) -> Mapped:
                return Mapped(step.lets.text, list(step.lets.pieces))

            def rows(self, query: Mapped) -> QueryResult:
                result = engine._kql(prepared, query, now, hidden, stage_tables, None)
                assert result is not None
                return result

            def create(self, name: str, columns: list[tuple[str, str]], rows: list[tuple]) -> None:
                ddl = ", ".join(f"{q(n)} {DUCKDB_TYPES.get(t, 'VARCHAR')}" for n, t in columns)
                engine._con.execute(f"CREATE OR REPLACE TEMP TABLE {q(name)} ({ddl})")
                insert_rows(engine._con, name, columns, (list(r) for r in rows))
                stage_tables[name] = [n for n, _ in columns]

            def into(self, query: Mapped, name: str) -> None:
                engine._kql(prepared, query, now, hidden, stage_tables, name)

            def sql_into(self, name: str, select_sql: str) -> None:
                engine._con.execute(f"CREATE OR REPLACE TEMP TABLE {q(name)} AS {select_sql}")
                stage_tables[name] = [r[0] for r in engine._con.execute(f"DESCRIBE {q(name)}").fetchall()]

            def columns(self, table: str) -> list[str]:
                return list(stage_tables[table])

        return step.stage.run(Runner(), step.source, step.into)

    def _unsupported(self, prepared: Prepared, text: Mapped, exc: Exception) -> UnsupportedKql:
        """duckdb-kql's refusal, placed in the author's query (or in the parser it happened in)."""
        if isinstance(exc, duckdb_kql.KqlSyntaxError):
            construct, detail = "syntax", f"the embedded engine cannot parse this KQL: {exc}"
        else:
            construct = getattr(exc, "construct", "?")
            hint = getattr(exc, "hint", None)
            detail = f"unsupported KQL: {describe_construct(construct)} is not implemented by the embedded engine"
            if hint and "argument" in hint:
                detail += f" ({hint})"
        offset = _offset(text, exc)
        if offset is None and re.fullmatch(r"[A-Za-z_]\w*", construct):  # a function duckdb-kql names bare
            offset = _find_call(prepared.original, construct)
        if offset is None and ":" in construct:
            name = construct.split(":", 1)[1]
            offset = _find_call(prepared.original, name)
            if offset is None:
                for fname, body in self._function_names.items():
                    where = _find_call(body, name)
                    if where is not None:
                        return UnsupportedKql(construct, detail, where, function=fname)
        return UnsupportedKql(construct, detail, offset)


_MISSING_COLUMN = re.compile(
    r'Referenced column "([^"]+)" not found|Column "([^"]+)" referenced that exists in the SELECT clause'
)
_MISSING_TABLE = re.compile(r"Table with name ([^\s!]+) does not exist")


def _runtime_error(prepared: Prepared, exc: Exception) -> QueryFailed:
    """DuckDB's error in KQL terms; an unknown column is placed at its first use in the query."""
    message = str(exc).split("\n")[0]
    table = _MISSING_TABLE.search(message)
    if table:
        name = table.group(1).strip('"')
        where = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", prepared.original)
        return QueryFailed(
            f"table '{name}' is not in the table catalogue; add its schema to the project's tables folder "
            "(Azure-Sentinel JSON format)",
            where.start() if where else None,
        )
    missing = _MISSING_COLUMN.search(message)
    if missing:
        name = missing.group(1) or missing.group(2)
        where = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", prepared.original)
        return QueryFailed(
            f"column '{name}' does not exist at this point of the query (not in the table's schema, "
            "or removed by an earlier operator)",
            where.start() if where else None,
        )
    return QueryFailed(f"the engine failed running the query: {message}")


def _first_quoted_name(query: str, message: str) -> int | None:
    """Where the query first names one of the columns the message lists (`columns 'a' and 'b'`), by token."""
    listed = re.search(r"columns ('[^']+'(?:,? (?:and )?'[^']+')+)", message)
    names = set(re.findall(r"'([^']+)'", listed.group(1))) if listed else set()
    try:
        toks = tokens(parse(query).tree)
    except EngineError:
        return None
    return next((t.start for t in toks if t.text in names), None)


def _find_call(text: str, name: str) -> int | None:
    try:
        calls = parse(text).calls
    except EngineError:
        return None
    return next((c.start for c in calls if c.name == name), None)


def _offset(text: Mapped, exc: Exception) -> int | None:
    span = getattr(exc, "span", None)
    if span is None and getattr(exc, "diagnostics", None):
        span = exc.diagnostics[0].span
    if span is None:
        return None
    return text.origin_of_line(span.line, span.column)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _result(description, rows) -> QueryResult:
    names = [d[0] for d in description]
    duck_types = [str(d[1]) for d in description]
    keep = [i for i, n in enumerate(names) if not _HIDDEN.match(n)]
    return QueryResult(
        columns=[names[i] for i in keep],
        types=[kql_type_of(duck_types[i]) for i in keep],
        rows=[tuple(duckdb_value(row[i], duck_types[i]) for i in keep) for row in rows],
    )
