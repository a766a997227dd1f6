"""Reads of the velocity aggregates: counts and sums over 1 h / 24 h / 30 d, from a handful of buckets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection

from apps.fraud.features import WINDOWS, Windows
from apps.fraud.models import VelocityBucket

Grain = VelocityBucket.Grain

# Which buckets make each window: "1 h" is the last twelve 5-minute buckets, the current one
# included, so a window reads at most 66 rows (12 + 24 + 30) whatever the history.
WINDOW_GRAIN = {
    "1h": (Grain.FIVE_MINUTES, timedelta(hours=1)),
    "24h": (Grain.HOUR, timedelta(hours=24)),
    "30d": (Grain.DAY, timedelta(days=30)),
}


def window_sql(scopes: Sequence[str], currency: str, at: datetime) -> tuple[str, str, dict[str, Any]]:
    """Select-list and WHERE of the windows of each scope ("c", "p"), summed in one pass over the buckets.

    Seven columns per scope: count and sum for 1 h / 24 h / 30 d, then the near-limit count of
    24 h. Named parameters, each sent once: the window starts are shared by every column, and on
    Postgres converting sixty positional parameters cost more than the query. The party keys are
    the parameters ``c`` and ``p``; scopes and grains are our own constants, written inline.
    """
    adapt = connection.ops.adapt_datetimefield_value
    params: dict[str, Any] = {"currency": currency, "at": adapt(at)}
    columns: list[str] = []
    ranges: list[str] = []
    for window, (grain, span) in WINDOW_GRAIN.items():
        params[f"since_{window}"] = adapt(at - span)
        ranges.append(f"(grain = '{grain}' AND start_at > %(since_{window})s)")
    for scope in scopes:
        for window, (grain, _span) in WINDOW_GRAIN.items():
            for column in ("count", "sum_minor"):
                columns.append(
                    f"SUM(CASE WHEN scope = '{scope}' AND grain = '{grain}' AND start_at > %(since_{window})s "
                    f"THEN {column} ELSE 0 END)"
                )
        columns.append(
            f"SUM(CASE WHEN scope = '{scope}' AND grain = '{Grain.HOUR}' AND start_at > %(since_24h)s "
            "THEN near_limit_count ELSE 0 END)"
        )
    parties = " OR ".join(f"(scope = '{scope}' AND key = %({scope})s)" for scope in scopes)
    where = f"currency = %(currency)s AND start_at <= %(at)s AND ({parties}) AND ({' OR '.join(ranges)})"
    return ", ".join(columns), where, params


def windows_from(values: list[Any]) -> Windows:
    """The seven columns of one scope in ``window_sql``'s select-list, as windows."""
    ints = [int(v or 0) for v in values]
    return Windows(
        count={w: ints[2 * i] for i, w in enumerate(WINDOWS)},
        sum_minor={w: ints[2 * i + 1] for i, w in enumerate(WINDOWS)},
        near_limit_24h=ints[6],
    )


def windows_many(
    *, parties: set[tuple[str, str]], currencies: set[str], at: datetime
) -> dict[tuple[str, str, str], Windows]:
    """The windows of many ``(scope, key)`` parties at ``at``, per ``(scope, key, currency)``, in one statement.

    The same buckets and sums as ``window_sql``, grouped by party; a party with no bucket is left out.
    """
    if not parties or not currencies:
        return {}
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = []
    columns: list[str] = []
    for grain, span in WINDOW_GRAIN.values():
        for column in ("count", "sum_minor"):
            columns.append(f"SUM(CASE WHEN grain = '{grain}' AND start_at > %s THEN {column} ELSE 0 END)")
            params.append(adapt(at - span))
    columns.append(f"SUM(CASE WHEN grain = '{Grain.HOUR}' AND start_at > %s THEN near_limit_count ELSE 0 END)")
    params.append(adapt(at - WINDOW_GRAIN["24h"][1]))
    ranges = []
    for grain, span in WINDOW_GRAIN.values():
        ranges.append(f"(grain = '{grain}' AND start_at > %s)")
        params.append(adapt(at - span))
    by_scope: dict[str, list[str]] = {}
    for scope, key in sorted(parties):
        by_scope.setdefault(scope, []).append(key)
    where = []
    for scope, keys in by_scope.items():
        where.append(f"(scope = '{scope}' AND key IN ({', '.join(['%s'] * len(keys))}))")
        params += keys
    params += [*sorted(currencies), adapt(at)]
    sql = (
        f"SELECT scope, key, currency, {', '.join(columns)} FROM {VelocityBucket._meta.db_table} "  # noqa: S608
        f"WHERE ({' OR '.join(ranges)}) AND ({' OR '.join(where)}) "
        f"AND currency IN ({', '.join(['%s'] * len(currencies))}) AND start_at <= %s GROUP BY scope, key, currency"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(row[0], row[1], row[2]): windows_from(list(row[3:10])) for row in cursor.fetchall()}
