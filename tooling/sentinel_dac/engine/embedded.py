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
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import duckdb_kql

from ..catalog.tables import TableSchema
from .base import describe_construct
from .dataset import DataSet, FunctionDef, TableData, WatchlistData, Window
from .duckdb_tables import (
    create_data_table,
    create_view,
    create_watchlist_table,
    data_table,
    insert_rows,
    q,
    storable_columns,
    watchlist_columns,
)
from .errors import EngineError, QueryFailed, UnsupportedKql
from .extensions import install as install_extensions
from .extensions import install_macros
from .externaldata import create_external_table
from .kqltypes import DUCKDB_TYPES
from .prepare import HIDDEN_INGESTION, KqlStep, Prepared, StageStep, prepare, prepare_function, watchlist_table
from .results import QueryResult, duckdb_value, kql_type_of
from .syntax import Mapped, copy_with_edits, parse, tokens

_HIDDEN = re.compile(rf"^{HIDDEN_INGESTION}\d*$")
_WATCHLIST_TABLE = re.compile(r"__sdac_watchlist_\d+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class EmbeddedEngine:
    """duckdb-kql on DuckDB. Not thread-safe: use one engine per thread."""

    name = "embedded"

    def __init__(self, threads: int | None = None) -> None:
        install_extensions()
        self._threads = threads
        self._con: Any = None
        self._prepared: dict[tuple, Prepared] = {}
        self._sql: dict[tuple, tuple[str, dict]] = {}
        self._prepared_functions: dict[tuple, tuple[object, str]] = {}
        self._fork_lock = threading.Lock()
        self._held: dict[str, tuple] = {}
        self._reset()

    def _reset(self) -> None:
        """Forget the loaded data; translations stay cached (their keys hold everything they depend on)."""
        self._data: DataSet | None = None
        self._columns: dict[str, list[tuple[str, str]]] = {}
        self._views: dict[str, tuple] = {}
        self._stored: dict[str, frozenset[str]] = {}
        self._extra_schema: dict[str, list[str]] = {}
        self._pending_watchlists: dict[str, WatchlistData] = {}
        self._external: set[str] = set()
        self._function_watchlists: dict[str, list[str]] = {}
        self._functions: list[str] = []
        self._function_names: dict[str, str] = {}

    # -- loading -----------------------------------------------------------------------------------------------
    def load(self, data: DataSet) -> None:
        """Hold `data` for the next runs; a sample table held for the previous load as it is now is kept."""
        wanted = {name: _held_key(table) for name, table in data.tables.items()}
        if self._con is None:
            self._con = duckdb_kql.connect()
            if self._threads is not None:
                self._con.execute(f"SET threads = {int(self._threads)}")
            install_macros(self._con)
        else:
            self._drop_all(keep={n for n, key in wanted.items() if key is not None and self._held.get(n) == key})
        self._reset()
        self._data = data
        for name, table in data.tables.items():
            if wanted[name] is not None and self._held.get(name) == wanted[name]:
                self._columns[name] = list(wanted[name][2])
            else:
                self._columns[name] = self._create_table(table.schema, table, key=wanted[name])
        for alias in sorted(data.watchlists):  # created when a query reads them (`_ensure_watchlists`)
            wl = data.watchlists[alias]
            table = watchlist_table(wl.alias, data)
            self._pending_watchlists[table] = wl
            self._extra_schema[table] = [n for n, _ in watchlist_columns(table, wl)]
        for fd in data.functions:
            definition = self._prepare_function(fd, data)
            self._functions.append(definition)
            self._function_names[fd.name] = fd.body
            self._function_watchlists[fd.name] = _WATCHLIST_TABLE.findall(definition)

    def _prepare_function(self, fd: FunctionDef, data: DataSet) -> str:
        """`prepare_function`, once per parser: a test run loads the same parsers for every case.

        Its result depends on the body, the watchlist aliases (their table names) and the catalogue
        (compat rewrites); the key holds all three (the catalogue by identity, kept alive in the value).
        """
        key = (fd.name, fd.params, fd.body, tuple(sorted(data.watchlists)), id(data.catalog))
        cached = self._prepared_functions.get(key)
        if cached is None or cached[0] is not data.catalog:
            cached = self._prepared_functions[key] = (data.catalog, prepare_function(fd, data))
        return cached[1]

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
        self._columns[table] = self._create_table(schema, None, only, prefer)
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
        with self._fork_lock:  # forks are made in worker threads; a fork must not create shared tables
            self._ensure_watchlists(list(self._pending_watchlists))
        other = EmbeddedEngine.__new__(EmbeddedEngine)
        other._con = self._con.cursor()
        other._con.execute("SET TimeZone='UTC'")
        other._prepared, other._sql, other._prepared_functions = {}, {}, {}
        other._fork_lock = threading.Lock()
        other._threads = self._threads
        other._held = {}
        other._reset()
        other._data = self._data
        other._columns = dict(self._columns)
        other._stored = dict(self._stored)
        other._extra_schema = dict(self._extra_schema)
        other._function_watchlists = dict(self._function_watchlists)
        other._functions = list(self._functions)
        other._function_names = dict(self._function_names)
        return other

    def _ensure_watchlists(self, tables: Iterable[str]) -> None:
        """Create the watchlist tables `tables` names that are not created yet.

        A project's watchlists are loaded for every test case but most rules read none or one;
        creating each only when a query reads it saves a table per watchlist per case.
        """
        for table in sorted(set(tables) & self._pending_watchlists.keys()):
            create_watchlist_table(self._con, table, self._pending_watchlists.pop(table))

    def _create_table(
        self,
        schema: TableSchema,
        data: TableData | None,
        only: frozenset[str] | None = None,
        prefer: frozenset[str] = frozenset(),
        key: tuple | None = None,
    ) -> list[tuple[str, str]]:
        """`create_data_table`, remembering what the table now holds (`key`; None: not to be reused)."""
        self._held.pop(schema.name, None)
        columns = create_data_table(self._con, schema, data, only, prefer)
        if key is not None:
            self._held[schema.name] = key
        return columns

    def _empty_table(self, schema: TableSchema, prefer: frozenset[str]) -> list[tuple[str, str]]:
        """An empty table for a catalogue table the query reads but the data set has no rows of."""
        columns = storable_columns(schema, None, prefer)
        key = ("empty", tuple(columns))
        if self._held.get(schema.name) == key:
            return columns
        return self._create_table(schema, None, prefer=prefer, key=key)

    def _drop_all(self, keep: Iterable[str] = ()) -> None:
        """Empty the connection for the next data set (cheaper than a new connection per test case).

        Sample tables in `keep` stay (the next data set holds exactly their rows), and so do empty
        tables: a test run loads the same few sample files and reads the same tables case after case.
        """
        kept = {data_table(n) for n in keep} | {
            data_table(n) for n, key in self._held.items() if key and key[0] == "empty"
        }
        for name, kind, temporary in self._con.execute(
            "SELECT table_name, table_type, table_schema = 'temp' OR table_catalog = 'temp' "
            "FROM information_schema.tables"
        ).fetchall():
            if name in kept and kind != "VIEW" and not temporary:
                continue
            what = "VIEW" if kind == "VIEW" else "TABLE"
            self._con.execute(f"DROP {what} IF EXISTS {'temp.' if temporary else ''}{q(name)}")
        self._held = {n: key for n, key in self._held.items() if data_table(n) in kept}

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        self._held = {}
        self._reset()

    # -- running -----------------------------------------------------------------------------------------------
    def run(self, query: str, now: datetime, window: Window | None = None) -> QueryResult:
        if self._data is None:
            raise EngineError("no data loaded: call load() first")
        key = (query, tuple(sorted(self._data.watchlists)), tuple(sorted(self._data.external.items())))
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
        names = set(prepared.names)
        called = self._called_functions(names)
        for fname in called:
            names |= _identifiers(self._function_names[fname])
        self._ensure_watchlists(
            [*prepared.watchlists.values(), *(t for f in called for t in self._function_watchlists[f])]
        )
        for table, spec in prepared.external.items():  # temporary tables: each connection (fork) has its own
            if table not in self._external:
                self._extra_schema[table] = create_external_table(self._con, spec)
                self._external.add(table)
        catalog = self._data.catalog
        for name in sorted(n for n in names if catalog.get(n) is not None):
            if name not in self._columns:
                self._columns[name] = self._empty_table(catalog.get(name), frozenset(names))
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

    def _called_functions(self, names: set[str]) -> set[str]:
        """The parsers a query may call: those it names, and those their bodies name, transitively.

        By identifier, so a name in a string literal counts too: creating a view too many costs a
        little, one too few would fail the query.
        """
        called: set[str] = set()
        todo = [n for n in names if n in self._function_names]
        while todo:
            name = todo.pop()
            if name not in called:
                called.add(name)
                todo += [n for n in _identifiers(self._function_names[name]) if n in self._function_names]
        return called

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
                self._columns[table] = self._empty_table(schema, frozenset(names))
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
                    functions=parsed_functions(tuple(self._functions)) if self._functions else None,
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


@lru_cache(maxsize=16)
def parsed_functions(definitions: tuple[str, ...]) -> Any:
    """duckdb-kql's parsed registry of these stored functions, parsed once.

    `to_sql(functions=[...])` parses every definition on every call (with five parsers that was most
    of a test run's translation time); it also takes an already-parsed registry, which this keeps.
    """
    from duckdb_kql.stored_functions import parse_functions

    return parse_functions(list(definitions))


_MISSING_COLUMN = re.compile(
    r'Referenced column "([^"]+)" not found|Column "([^"]+)" referenced that exists in the SELECT clause'
)
_MISSING_TABLE = re.compile(r"Table with name ([^\s!]+) does not exist")


def _runtime_error(prepared: Prepared, exc: Exception) -> EngineError:
    """DuckDB's error in KQL terms; an unknown column is placed at its first use in the query."""
    message = str(exc).split("\n")[0]
    if _EPOCH_OF_NUMBER.search(message):
        return UnsupportedKql(
            "timespan / number",
            "dividing a timespan by a number whose type is only known at run time (a column, a function's "
            "result) is not supported by the embedded engine (duckdb-kql 1.1.2 divides it as timespan / "
            "timespan); multiply instead: `T * (1.0 / n)`",
            _first_division(prepared.original),
        )
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


_NUMERIC = r"(?:BIGINT|INTEGER|DOUBLE|DECIMAL(?:\(\d+, ?\d+\))?|FLOAT|HUGEINT|SMALLINT|TINYINT)"
_EPOCH_OF_NUMBER = re.compile(rf"'epoch\({_NUMERIC}\)'|'//?\(INTERVAL, {_NUMERIC}\)'")
"""DuckDB's binding errors for a timespan divided by a number (as duckdb-kql 1.1.2 translates it)."""


def _first_division(query: str) -> int | None:
    try:
        toks = tokens(parse(query).tree)
    except EngineError:
        return None
    return next((t.start for t in toks if t.text == "/"), None)


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


@lru_cache(maxsize=256)
def _identifiers(text: str) -> frozenset[str]:
    return frozenset(_IDENT.findall(text))


def _held_key(table: TableData) -> tuple | None:
    """What a sample table's storage holds, comparable across loads (None: cannot tell, always rebuild)."""
    identity = table.identity()
    if identity is None:
        return None
    # The parts themselves ride along so their ids stay theirs while held (compared by identity first).
    return ("rows", identity, tuple(storable_columns(table.schema, table)), tuple(table.parts))


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
