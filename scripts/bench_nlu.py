"""NLU quality on two held-out sets: intent macro-F1 per language, entity F1 per type.

Runs in the engine's environment (.venv-rasa): `make bench-nlu`. It loads the trained
model once and reads, per language, the held-out set (dialogues/tests/nlu_heldout/, written
beside the training data) and the independent set (dialogues/tests/nlu_independent/, written
by a pass that never saw it). Neither is ever trained on. Writes results/nlu.json and prints
tables: intents, entities (location and service_type, scored where the bot reads them: in
find_service and inform; what the model finds in other messages is counted apart as false
positives), the most frequent confusions, delete_data's confusions, and the first-message
language guess.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path

import yaml
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.log_utils import configure_structlog
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the danger lexicon is plain Python: both environments read it
from bot.conversation.danger import DangerLexicon  # noqa: E402
from bot.conversation.unsure import (  # noqa: E402
    FALLBACK,
    doubtful_erase,
    offerable,
    two_meanings,
    without_erase,
)
from bot.wording.language_guess import guess_language  # noqa: E402

HELDOUT = ROOT / "dialogues" / "tests" / "nlu_heldout"
INDEPENDENT = ROOT / "dialogues" / "tests" / "nlu_independent"
# Written after the other two had been used to find what the training data lacked: the one
# set whose errors nobody has read. Keep it so: find what to add on the other two.
BLIND = ROOT / "dialogues" / "tests" / "nlu_blind"
SETS = {"held-out": HELDOUT, "independent": INDEPENDENT, "blind": BLIND}
ENTITY_TYPES = ("location", "service_type")
REQUESTS = ("find_service", "inform")  # the intents whose entities the bot reads
# Danger phrases written apart from the training data and the lexicon, never tuned on.
DANGER_HELDOUT = ROOT / "tests" / "redteam" / "heldout_danger.yml"
# Another model can be measured the same way: RAHNUMA_MODEL=path make bench-nlu
MODEL = Path(os.environ.get("RAHNUMA_MODEL") or ROOT / "models" / "rahnuma.tar.gz")


def _synonyms() -> dict[str, str]:
    data = load_data(str(ROOT / "dialogues" / "data" / "nlu" / "shared"))
    return {k.lower(): v for k, v in data.entity_synonyms.items()}


# The kinds of help the bot knows: the service_type slot's values in the domain.
SERVICE_TYPES = frozenset(
    yaml.safe_load((ROOT / "dialogues" / "domain" / "slots.yml").read_text(encoding="utf-8"))[
        "slots"
    ]["service_type"]["values"]
)


def _entities(items: list[dict], synonyms: dict[str, str]) -> Counter:
    """Entities as the actions read them: a service_type that is no kind of help the
    directory knows ("tell" in "tell me a doctor") is ignored there (actions/turn.py)."""
    found: Counter = Counter()
    for item in items:
        value = str(item.get("value", ""))
        value = synonyms.get(value.lower(), value).lower()
        if item["entity"] == "service_type" and value not in SERVICE_TYPES:
            continue
        found[(item["entity"], value)] += 1
    return found


def _f1(tp: int, fp: int, fn: int) -> float:
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return round(2 * precision * recall / max(precision + recall, 1e-9), 4)


def as_the_bot_reads(parsed: dict) -> tuple[str, list[dict]]:
    """The intent the bot acts on: a doubtful erase is treated as unsure (actions/meaning.py).
    Below the fallback threshold the bot answers out_of_scope's menu: the same behaviour."""
    name, ranking = parsed["intent"]["name"], parsed["intent_ranking"]
    if doubtful_erase(name, parsed["intent"]["confidence"]):
        return FALLBACK, without_erase(ranking)
    return name, ranking


def languages_of(folder: Path) -> dict[str, str]:
    """The language each message is written in, where an annotator judged it from its words
    (the independent set mixes languages on purpose); else the folder's language."""
    annotated = folder.parent / "languages.yml"
    if not annotated.exists():
        return {}
    return dict((yaml.safe_load(annotated.read_text(encoding="utf-8")) or {}).get(folder.name, {}))


def right_language(guess: str, written_in: str) -> bool:
    """A message half in each language, or in words both share ("ok", "lahore"), may be
    answered in either; otherwise the guess must be the language it is written in."""
    if written_in == "either":
        return True
    if written_in == "mixed":
        return guess in ("en", "ur_Latn")
    return guess == written_in


async def evaluate(
    agent: Agent, folder: Path, synonyms: dict[str, str], language: str
) -> dict[str, object]:
    data = load_data(str(folder))
    gold, predicted = [], []
    counts = {kind: Counter() for kind in ENTITY_TYPES}  # tp, fp, fn, fp_elsewhere
    guessed = asked = asked_right = 0
    written_in = languages_of(folder)
    choices = offerable(ROOT / "content")
    for example in data.intent_examples:
        text = example.get("text")
        parsed = await agent.parse_message(text)
        gold.append(example.get("intent"))
        name, ranking = as_the_bot_reads(parsed)
        predicted.append("out_of_scope" if name == FALLBACK else name)
        guessed += right_language(guess_language(text), written_in.get(text, language))
        # The bot asks "which did you mean?" (actions/meaning.py) on these.
        pair = two_meanings(ranking, choices) if name == FALLBACK else None
        asked += pair is not None
        asked_right += pair is not None and example.get("intent") in pair
        expected = _entities(example.get("entities") or [], synonyms)
        got = _entities(parsed.get("entities") or [], synonyms)
        for kind in ENTITY_TYPES:
            want = Counter({k: v for k, v in expected.items() if k[0] == kind})
            have = Counter({k: v for k, v in got.items() if k[0] == kind})
            if example.get("intent") in REQUESTS:
                counts[kind]["tp"] += sum((want & have).values())
                counts[kind]["fp"] += sum((have - want).values())
                counts[kind]["fn"] += sum((want - have).values())
            else:
                counts[kind]["fp_elsewhere"] += sum((have - want).values())
    pairs = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    return {
        "examples": len(gold),
        "intent_macro_f1": round(float(f1_score(gold, predicted, average="macro")), 4),
        "intent_accuracy": round(
            sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold), 4
        ),
        "entities": {
            kind: {
                "f1": _f1(c["tp"], c["fp"], c["fn"]),
                "annotated": c["tp"] + c["fn"],
                "false_positives": c["fp"],
                "false_positives_elsewhere": c["fp_elsewhere"],
            }
            for kind, c in counts.items()
        },
        "delete_data_confusions": sum(n for (g, p), n in pairs.items() if "delete_data" in (g, p)),
        "language_guess": round(guessed / len(gold), 4),
        "asks_which": round(asked / len(gold), 4),
        "asks_which_with_the_right_meaning": asked_right,
        "confusions": [
            {"gold": g, "predicted": p, "count": n} for (g, p), n in pairs.most_common()
        ],
        "misclassified": [
            {"text": e.get("text"), "gold": g, "predicted": p}
            for e, g, p in zip(data.intent_examples, gold, predicted, strict=True)
            if g != p
        ],
    }


async def danger_net(agent: Agent) -> dict[str, dict[str, float]]:
    """How often a danger message gets the emergency answer: the model (intent emergency),
    the gateway's lexicon, and either (what the survivor gets); and false alarms."""
    lexicon = DangerLexicon.from_file(ROOT / "content" / "danger.yml")
    sets = yaml.safe_load(DANGER_HELDOUT.read_text(encoding="utf-8"))
    out: dict[str, dict[str, float]] = {}
    for language in sets["danger"]:
        caught = {"model": 0, "lexicon": 0, "either": 0}
        danger = sets["danger"][language] + sets["self_harm"][language]
        for text in danger:
            model = (await agent.parse_message(text))["intent"]["name"] == "emergency"
            listed = lexicon.is_danger(text)
            caught["model"] += model
            caught["lexicon"] += listed
            caught["either"] += model or listed
        alarms = 0
        for text in sets["not_danger"][language]:
            model = (await agent.parse_message(text))["intent"]["name"] == "emergency"
            alarms += model or lexicon.is_danger(text)
        out[language] = {
            **{f"recall_{k}": round(v / len(danger), 3) for k, v in caught.items()},
            "false_alarms": round(alarms / len(sets["not_danger"][language]), 3),
            "messages": len(danger),
        }
    return out


async def main() -> int:
    if not MODEL.exists():  # noqa: ASYNC240 - once, before anything runs
        print(f"{MODEL} is missing: run `make train` first", file=sys.stderr)
        return 1
    configure_structlog(logging.WARNING)  # Rasa's debug lines would print every test message
    agent = Agent.load(str(MODEL))
    synonyms = _synonyms()
    results: dict[str, object] = {}
    for set_name, root in SETS.items():
        results[set_name] = {
            folder.name: await evaluate(agent, folder, synonyms, folder.name)
            for folder in sorted(p for p in root.iterdir() if p.is_dir())
        }
    for figures in results["blind"].values():  # its errors stay unread: figures only
        del figures["misclassified"], figures["confusions"]
    results["danger_heldout"] = await danger_net(agent)
    out = ROOT / "results" / "nlu.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    _print(results)
    print(f"\nmisclassified examples and every confusion: {out.relative_to(ROOT)}")
    return 0


def _print(results: dict) -> None:
    print(
        f"\n{'set':<12} {'language':<8} {'examples':>8} {'intent F1':>9} {'accuracy':>8} "
        f"{'location F1':>11} {'service F1':>10} {'entity FP':>9} {'FP elsewhere':>12} "
        f"{'delete_data':>11} {'lang guess':>10} {'asks which':>10}"
    )
    for set_name in SETS:
        for language, r in results[set_name].items():
            e = r["entities"]
            wrong = sum(e[k]["false_positives"] for k in ENTITY_TYPES)
            elsewhere = sum(e[k]["false_positives_elsewhere"] for k in ENTITY_TYPES)
            print(
                f"{set_name:<12} {language:<8} {r['examples']:>8} {r['intent_macro_f1']:>9.3f} "
                f"{r['intent_accuracy']:>8.3f} {e['location']['f1']:>11.3f} "
                f"{e['service_type']['f1']:>10.3f} "
                f"{wrong:>9} {elsewhere:>12} "
                f"{r['delete_data_confusions']:>11} {r['language_guess']:>10.3f} "
                f"{r['asks_which']:>10.3f}"
            )
    print("\nmost frequent confusions (gold -> predicted, held-out and independent sets):")
    total: Counter = Counter()
    for set_name in ("held-out", "independent"):
        for r in results[set_name].values():
            for c in r["confusions"]:
                total[(c["gold"], c["predicted"])] += c["count"]
    for (g, p), n in total.most_common(12):
        print(f"  {n:>3}  {g} -> {p}")
    print(
        f"\n{'language':<10} {'danger msgs':>11} {'model':>7} {'lexicon':>8} {'either':>7} "
        f"{'false alarms':>13}"
    )
    for language, d in results["danger_heldout"].items():
        print(
            f"{language:<10} {d['messages']:>11} {d['recall_model']:>7.3f} "
            f"{d['recall_lexicon']:>8.3f} {d['recall_either']:>7.3f} {d['false_alarms']:>13.3f}"
        )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
