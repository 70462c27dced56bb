"""`--expect FILE`: labelled episodes, and how well the backtest's alerts cover them.

The file is the development week's `episodes.yaml` (benchmarks/devweek/episodes_file.py,
format version 1): `episodes:` a list of `{id, family, benign, start, end,
entity: {type, value, aliases}}` (other keys are kept, not needed). An
episode may name a `rule` (id or name) instead of relying on families.

Matching (the file's own `matching` text): an alert covers an episode when
its time span (the run's query window, widened by its events'
StartTime..EndTime) overlaps the episode window and one of its entities has
the episode entity's type and an identifier equal, case-insensitively, to
`value` or one of `aliases`.

Scores: an attack episode is *covered* when any alert (of any backtested
rule, or of its `rule`) covers it; recall per family = covered / attack
episodes of the family. An alert is a *true positive* when it covers an attack
episode; precision per family = true-positive alerts / alerts of the
family's rules (a rule's family is `family` in its `<rule>.meta.yaml`);
false positives per day are the other alerts over the range's days. Alerts
on benign episodes are listed: they are the near-misses the content must
stay quiet on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..engine.kqltypes import ValueTypeError, parse_datetime
from ..errors import SentinelDacError
from .replay import AlertRecord, RuleOutcome


class ExpectError(SentinelDacError):
    """The --expect file cannot be used (message names file, line and field)."""


@dataclass(frozen=True)
class Episode:
    id: str
    family: str
    benign: bool
    start: datetime
    end: datetime
    entity_type: str
    names: frozenset[str]
    rule: str | None = None


@dataclass
class EpisodeScore:
    episode: Episode
    alerts: list[AlertRecord] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.alerts)

    @property
    def rules(self) -> list[str]:
        return sorted({a.rule.name for a in self.alerts})


@dataclass
class FamilyScore:
    family: str
    episodes: int = 0
    covered: int = 0
    alerts: int = 0
    true_positives: int = 0
    rules: int = 0

    @property
    def recall(self) -> float | None:
        return self.covered / self.episodes if self.episodes else None

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.alerts if self.alerts else None


@dataclass
class ExpectScore:
    file: str
    episodes: list[EpisodeScore] = field(default_factory=list)
    families: list[FamilyScore] = field(default_factory=list)
    days: float = 0.0

    notes: list[str] = field(default_factory=list)

    def false_positives_per_day(self, family: FamilyScore) -> float | None:
        if not self.days or not family.rules:
            return None
        return (family.alerts - family.true_positives) / self.days


def load_episodes(path: Path, display: str) -> list[Episode]:
    """Read an episodes file; ExpectError naming the file, line and field on anything malformed."""
    from ..content.yamlsrc import YamlLoadError, load_yaml

    try:
        doc = load_yaml(path, display=display)
    except YamlLoadError as exc:
        first = exc.findings[0]
        raise ExpectError(f"{first.location}: {first.code} {first.message}") from None
    except FileNotFoundError:
        raise ExpectError(f"{display}: DAC707 the --expect file does not exist") from None
    items = doc.data.get("episodes") if isinstance(doc.data, dict) else None
    if not isinstance(items, list):
        raise ExpectError(
            f"{display}:1: expected a mapping with an `episodes:` list (the devweek episodes.yaml format)"
        )
    out: list[Episode] = []
    seen: set[str] = set()
    for i, item in enumerate(items):

        def where(*key: str | int, i: int = i) -> str:
            pos = doc.pos(("episodes", i, *key))
            return f"{display}:{pos.line}:{pos.column}"

        if not isinstance(item, dict):
            raise ExpectError(f"{where()}: DAC707 each episode must be a mapping")
        for key in ("id", "start", "end", "entity"):
            if key not in item:
                raise ExpectError(f"{where()}: DAC707 episode is missing `{key}`")
        if "family" not in item and "rule" not in item:
            raise ExpectError(f"{where()}: DAC707 episode needs a `family` or a `rule`")
        ep_id = str(item["id"])
        if ep_id in seen:
            raise ExpectError(f"{where('id')}: DAC707 duplicate episode id {ep_id}")
        seen.add(ep_id)
        start, end = _time(item["start"], where("start"), "start"), _time(item["end"], where("end"), "end")
        if end < start:
            raise ExpectError(f"{where('end')}: DAC707 episode {ep_id} ends before it starts")
        entity = item["entity"]
        if not isinstance(entity, dict) or not entity.get("type") or not entity.get("value"):
            raise ExpectError(f"{where('entity')}: DAC707 `entity` needs `type` and `value`")
        aliases = entity.get("aliases") or []
        if not isinstance(aliases, list):
            raise ExpectError(f"{where('entity', 'aliases')}: DAC707 `aliases` must be a list")
        names = frozenset(str(n).casefold() for n in [entity["value"], *aliases] if str(n))
        out.append(
            Episode(
                ep_id,
                str(item.get("family") or ""),
                bool(item.get("benign", False)),
                start,
                end,
                str(entity["type"]),
                names,
                str(item["rule"]) if item.get("rule") else None,
            )
        )
    return out


def labelled_range(path: Path, display: str) -> tuple[datetime | None, datetime | None]:
    """The file's top-level `start`/`end`: the range its labels cover (the devweek writes them).

    Logs before `start` are history (the development week's warm-up: benign noise so baselines
    form); scoring them would count alerts nobody labelled, so the backtest defaults to this range.
    """
    from ..content.yamlsrc import load_yaml

    doc = load_yaml(path, display=display)
    data = doc.data if isinstance(doc.data, dict) else {}

    def moment(key: str) -> datetime | None:
        if data.get(key) is None:
            return None
        pos = doc.pos((key,))
        return _time(data[key], f"{display}:{pos.line}:{pos.column}", key)

    return moment("start"), moment("end")


def _time(value: Any, where: str, key: str) -> datetime:
    if isinstance(value, datetime):
        from datetime import UTC

        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return parse_datetime(str(value))
    except ValueTypeError as exc:
        raise ExpectError(f"{where}: DAC707 episode `{key}`: {exc}") from None


def covers(record: AlertRecord, episode: Episode) -> bool:
    if episode.rule and episode.rule not in (record.rule.id, record.rule.name):
        return False
    lo, hi = record.span
    if hi < episode.start or lo > episode.end:
        return False
    for entity in record.alert.entities:
        if entity.type == episode.entity_type and any(
            str(v).casefold() in episode.names for v in entity.identifiers.values()
        ):
            return True
    return False


def score(episodes: list[Episode], outcomes: list[RuleOutcome], days: float, file: str) -> ExpectScore:
    result = ExpectScore(file, days=days)
    records = [a for o in outcomes for a in o.alerts]
    attack_hit: set[int] = set()
    for ep in episodes:
        es = EpisodeScore(ep)
        for n, record in enumerate(records):
            if covers(record, ep):
                es.alerts.append(record)
                if not ep.benign:
                    attack_hit.add(n)
        result.episodes.append(es)
    families: dict[str, FamilyScore] = {}
    for es in result.episodes:
        if es.episode.benign or not es.episode.family:
            continue
        fam = families.setdefault(es.episode.family, FamilyScore(es.episode.family))
        fam.episodes += 1
        fam.covered += es.covered
    index = {id(r): n for n, r in enumerate(records)}
    for o in outcomes:
        if o.status != "ok":
            continue
        fam = families.setdefault(o.family or "(no family)", FamilyScore(o.family or "(no family)"))
        fam.rules += 1
        fam.alerts += len(o.alerts)
        fam.true_positives += sum(index[id(a)] in attack_hit for a in o.alerts)
    result.families = sorted(families.values(), key=lambda f: f.family)
    labelled = sorted({ep.family for ep in episodes if ep.family})
    for fam in result.families:
        if fam.rules and not fam.episodes:
            result.notes.append(
                f"rule family '{fam.family}' has no labelled episodes in {file} (families there: "
                f"{', '.join(labelled) or 'none'}); its alerts still count as true positives when they cover "
                "another family's episode — name the family in <rule>.meta.yaml after the episodes' to read "
                "precision and recall on one row"
            )
    return result
