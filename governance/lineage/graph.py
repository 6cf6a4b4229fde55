"""Walking the lineage: everything upstream or downstream of a table or one of its columns.

A column's upstream is every edge into it, and on through each input; a table-level input (the rows a
``count(*)`` reads) goes on table by table. A table's up- or downstream is the graph of tables, each hop
carrying the transforms and producers of the column edges it stands for.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from governance.lineage.model import Edge

Column = tuple[str, str | None]  # (table, column); column None = the table as a whole


class UnknownNode(LookupError):
    """A table or column the lineage does not know; the message names the closest known ones."""


@dataclass(frozen=True)
class Hop:
    """One step of a walk: ``edge`` reached at ``depth`` (1 = next to the start) from node ``via``."""

    depth: int
    edge: Edge
    via: Column

    def node(self, upstream: bool) -> Column:
        """Where the step leads: the edge's input going upstream, its output going downstream."""
        edge = self.edge
        return (edge.from_table, edge.from_column) if upstream else (edge.to_table, edge.to_column)


def table_edge(edges: Iterable[Edge]) -> list[Edge]:
    """Column edges collapsed to one edge per table pair (transforms and producers joined)."""
    grouped: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for edge in edges:
        grouped[(edge.from_table, edge.to_table)].append(edge)
    collapsed = []
    for (source, target), members in grouped.items():
        transforms = ",".join(sorted({e.transform for e in members}))
        producers = ",".join(sorted({e.producer for e in members}))
        policies = ",".join(sorted({e.policy_id for e in members if e.policy_id})) or None
        collapsed.append(Edge(producers, source, None, target, None, transforms, policies))
    return collapsed


class LineageGraph:
    def __init__(self, edges: Iterable[Edge]) -> None:
        self.edges = list(edges)
        self._into: dict[Column, list[Edge]] = defaultdict(list)
        self._out_of: dict[Column, list[Edge]] = defaultdict(list)
        self._columns: dict[str, set[str]] = defaultdict(set)
        for edge in self.edges:
            self._into[(edge.to_table, edge.to_column)].append(edge)
            self._out_of[(edge.from_table, edge.from_column)].append(edge)
            for table, column in ((edge.from_table, edge.from_column), (edge.to_table, edge.to_column)):
                self._columns[table]  # a table with only table-level edges is still known
                if column is not None:
                    self._columns[table].add(column)
        self._tables_into = {t: table_edge(e for e in self.edges if e.to_table == t) for t in self._columns}
        self._tables_out = {t: table_edge(e for e in self.edges if e.from_table == t) for t in self._columns}

    def tables(self) -> list[str]:
        return sorted(self._columns)

    def columns(self, table: str) -> list[str]:
        return sorted(self._columns.get(table, ()))

    def resolve(self, name: str) -> Column:
        """``zone.table`` or ``zone.table.column`` (``source:system/dataset.field`` too) → (table, column).

        The longest known table name that the argument starts with wins, so names with dots in them parse.
        """
        for table in sorted(self._columns, key=len, reverse=True):
            if name == table:
                return table, None
            if name.startswith(table + "."):
                column = name[len(table) + 1 :]
                if column not in self._columns[table]:
                    known = ", ".join(self.columns(table)) or "none (table-level lineage only)"
                    raise UnknownNode(
                        f"{table} has no column {column!r} in the lineage; its columns: {known}"
                    )
                return table, column
        guess = ".".join(name.split(".")[:2])  # zone.table of a zone.table.column argument
        close = difflib.get_close_matches(guess, self.tables(), n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; {len(self._columns)} tables are known"
        raise UnknownNode(f"no table {name!r} in the lineage{hint}")

    def upstream(self, table: str, column: str | None = None, rows: bool = True) -> list[Hop]:
        """Everything ``table`` (or ``column``) is made from; ``rows=False`` leaves out the table-level
        edges into a column's table (filters: which rows, not which values)."""
        return self._walk((table, column), upstream=True, rows=rows)

    def downstream(self, table: str, column: str | None = None) -> list[Hop]:
        return self._walk((table, column), upstream=False)

    def _next(self, node: Column, upstream: bool, rows: bool = True) -> list[Edge]:
        table, column = node
        if column is None:  # a table: the graph of tables
            return (self._tables_into if upstream else self._tables_out).get(table, [])
        if upstream:
            return self._into.get(node, []) + (self._into.get((table, None), []) if rows else [])
        return self._out_of.get(node, [])

    def _walk(self, start: Column, upstream: bool, rows: bool = True) -> list[Hop]:
        """Breadth first, each edge once; a column's walk follows its edges, a table's the table graph."""
        hops: list[Hop] = []
        seen_edges: set[tuple] = set()
        seen_nodes = {start}
        frontier = [start]
        depth = 0
        while frontier:
            depth += 1
            following: list[Column] = []
            for node in frontier:
                for edge in self._next(node, upstream, rows):
                    if edge.key in seen_edges:
                        continue
                    seen_edges.add(edge.key)
                    hop = Hop(depth, edge, node)
                    hops.append(hop)
                    after = hop.node(upstream)
                    # A dropped column or a filter ends at its table: nothing downstream carries it on.
                    if not upstream and after[1] is None and node[1] is not None:
                        continue
                    if after not in seen_nodes:
                        seen_nodes.add(after)
                        following.append(after)
            frontier = following
        return hops
