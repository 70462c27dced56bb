"""Entity labels for episodes, resolved against the seeded world.

Matching advice for the backtest's `--expect`: compare case-insensitively against `value` *or* any
alias (people: UPN, object id, account name; applications: object id, app id, display name; APIM
subscriptions: the subscription id as logged in `ApimSubscriptionId`, and its resource id).
"""

from __future__ import annotations

from collections.abc import Callable

from .registry import Entity
from .world import World

Label = Callable[[World], Entity]


def account(key: str) -> Label:
    return lambda w: Entity("AzureResource", w.accounts[key].resource_id)


def apim_sub(name: str) -> Label:
    return lambda w: Entity("Account", name, (f"{w.apim_id}/subscriptions/{name}",))


def app(key: str) -> Label:
    def label(w: World) -> Entity:
        p = w.app(key)
        if p.is_human:
            return Entity("Account", p.upn or "", (p.object_id, p.display))
        return Entity("Account", p.object_id, (p.app_id or "", p.display))

    return label


def person(dept: str, index: int) -> Label:
    def label(w: World) -> Entity:
        p = w.person(dept, index)
        return Entity("Account", p.upn or "", (p.object_id, p.sam))

    return label


def platform_admin(index: int) -> Label:
    def label(w: World) -> Entity:
        p = w.dept("platform")[index]
        return Entity("Account", p.upn or "", (p.object_id, p.sam))

    return label


def ip(address: str) -> Label:
    return lambda w: Entity("IP", address, (address.rsplit(".", 1)[0] + ".***",))


def host(name: str) -> Label:
    return lambda w: Entity("Host", name, (name.split(".")[0],))


def device_of(dept: str, index: int) -> Label:
    def label(w: World) -> Entity:
        d = w.person(dept, index).device
        assert d is not None
        return Entity("Host", d.name, (d.name.split(".")[0], d.device_id))

    return label


def related(*labels: Label) -> Callable[[World], tuple[Entity, ...]]:
    return lambda w: tuple(lab(w) for lab in labels)
