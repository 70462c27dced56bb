"""`evaluate ipv4_lookup(...)`: rows joined to the lookup rows whose IPv4 range holds their address.

Microsoft's two examples with literal data are conformance entries (ipv4-lookup-*); these tests cover
what the page defines without a literal example: extra keys (its example reads external_data), a masked
source address, a watchlist as the lookup table, and the refusals and errors.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpers import dataset, watchlist
from sentinel_dac.engine import UnsupportedKql
from sentinel_dac.engine.errors import QueryFailed

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
NETS = (
    "let Nets = datatable(Net:string, Site:string, Zone:string)"
    '["10.1.0.0/16","hq","corp", "10.1.2.0/24","lab","corp", "10.1.2.7","lab-host","dmz",'
    ' "192.0.2.0/24","edge","dmz"];\n'
)
IPS = (
    "let Ips = datatable(Ip:string, Zone:string, n:long)"
    '["10.1.2.7","corp",1, "10.1.9.9","corp",2, "10.1.2.7","dmz",3, "198.51.100.1","corp",4, "not an ip","corp",5];\n'
)


def run(engine, query: str, **data):
    engine.load(dataset(**data))
    return engine.run(query, NOW)


def test_every_range_holding_the_address_matches_in_input_order(engine):
    result = run(engine, NETS + IPS + "Ips | project Ip, n | evaluate ipv4_lookup(Nets, Ip, Net)")
    assert result.columns == ["Ip", "n", "Net", "Site", "Zone"]
    assert [(r[1], r[3]) for r in result.rows] == [
        (1, "hq"), (1, "lab"), (1, "lab-host"),  # /16, /24 and the single address all hold 10.1.2.7
        (2, "hq"),
        (3, "hq"), (3, "lab"), (3, "lab-host"),
    ]  # fmt: skip


def test_extra_keys_must_be_equal_and_appear_once(engine):
    result = run(engine, NETS + IPS + "Ips | evaluate ipv4_lookup(Nets, Ip, Net, Zone)")
    assert result.columns == ["Ip", "Zone", "n", "Net", "Site"]
    assert [(r[2], r[4]) for r in result.rows] == [(1, "hq"), (1, "lab"), (2, "hq"), (3, "lab-host")]


def test_return_unmatched_keeps_every_row_also_positionally(engine):
    named = run(engine, NETS + IPS + "Ips | evaluate ipv4_lookup(Nets, Ip, Net, Zone, return_unmatched = true)")
    positional = run(engine, NETS + IPS + "Ips | evaluate ipv4_lookup(Nets, Ip, Net, Zone, true)")
    assert named.rows == positional.rows
    unmatched = [r for r in named.rows if r[3] is None]
    assert [r[2] for r in unmatched] == [4, 5]  # a public address and a string that is no address
    assert len(named.rows) == 6


def test_a_masked_source_matches_by_the_shorter_prefix(engine):
    query = NETS + 'datatable(Ip:string)["10.1.2.0/24", "10.1.0.0/8"] | evaluate ipv4_lookup(Nets, Ip, Net)'
    result = run(engine, query)
    # like ipv4_is_in_range: 10.1.2.0/24 lies in 10.1.0.0/16 and 10.1.2.0/24; the /32 host and a /8 source
    # are compared on their common (shorter) prefix
    assert sorted((r[0], r[2]) for r in result.rows) == [
        ("10.1.0.0/8", "hq"), ("10.1.0.0/8", "lab"), ("10.1.0.0/8", "lab-host"),
        ("10.1.2.0/24", "hq"), ("10.1.2.0/24", "lab"), ("10.1.2.0/24", "lab-host"),
    ]  # fmt: skip


def test_a_watchlist_of_subnets_as_the_lookup_table(engine):
    subnets = watchlist(
        "ServerNets",
        "Subnet",
        {"Subnet": "10.20.0.0/22", "Workload": "aks"},
        {"Subnet": "10.30.0.0/24", "Workload": "build"},
    )
    rows = [
        {"TimeGenerated": "2024-05-01T11:00:00Z", "SourceIp": ip, "Fqdn": "api.openai.com"}
        for ip in ("10.20.3.9", "10.30.0.13", "10.40.0.1")
    ]
    query = (
        'let Subnets = _GetWatchlist("ServerNets") | project Subnet = SearchKey, Workload;\n'
        "AZFWApplicationRule | evaluate ipv4_lookup(Subnets, SourceIp, Subnet) | project SourceIp, Workload"
    )
    result = run(engine, query, tables={"AZFWApplicationRule": rows}, watchlists=[subnets], updated=NOW)
    assert result.rows == [("10.20.3.9", "aks"), ("10.30.0.13", "build")]  # a /22 holds 10.20.3.9


def test_a_clash_between_lookup_and_input_columns_is_refused(engine):
    with pytest.raises(UnsupportedKql) as caught:
        run(engine, NETS + IPS + "Ips | evaluate ipv4_lookup(Nets, Ip, Net)")
    assert "zone" in str(caught.value).lower() and caught.value.construct == "ipv4_lookup column clash"


def test_missing_columns_and_expressions_are_reported_where_they_are(engine):
    query = NETS + IPS + "Ips | project Ip | evaluate ipv4_lookup(Nets, Address, Net)"
    with pytest.raises(QueryFailed, match="no column 'Address' in the input") as caught:
        run(engine, query)
    assert caught.value.offset == query.index("Address")
    with pytest.raises(UnsupportedKql, match="must be column names"):
        run(engine, NETS + IPS + "Ips | evaluate ipv4_lookup(Nets, tolower(Ip), Net)")
    with pytest.raises(QueryFailed, match="at least LookupTable"):
        run(engine, NETS + IPS + "Ips | evaluate ipv4_lookup(Nets, Ip)")
