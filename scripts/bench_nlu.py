"""NLU quality on held-out examples: intent macro-F1 per language and entity F1.

Runs in the engine's environment (.venv-rasa): `make bench-nlu`. It loads the trained
model once and reads the held-out files under dialogues/tests/nlu_heldout/<language>/,
which are never used for training. Writes results/nlu.json and prints a table.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from pathlib import Path

import yaml
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the danger lexicon is plain Python: both environments read it
from bot.conversation.danger import DangerLexicon  # noqa: E402

HELDOUT = ROOT / "dialogues" / "tests" / "nlu_heldout"
# Danger phrases written apart from the training data and the lexicon, never tuned on.
DANGER_HELDOUT = ROOT / "tests" / "redteam" / "heldout_danger.yml"
MODEL = ROOT / "models" / "rahnuma.tar.gz"


def _synonyms() -> dict[str, str]:
    data = load_data(str(ROOT / "dialogues" / "data" / "nlu" / "shared"))
    return {k.lower(): v for k, v in data.entity_synonyms.items()}


def _entities(items: list[dict], synonyms: dict[str, str]) -> Counter:
    found: Counter = Counter()
    for item in items:
        value = str(item.get("value", ""))
        found[(item["entity"], synonyms.get(value.lower(), value).lower())] += 1
    return found


async def evaluate(agent: Agent, folder: Path, synonyms: dict[str, str]) -> dict[str, float]:
    data = load_data(str(folder))
    gold, predicted = [], []
    true_positive = false_positive = false_negative = 0
    for example in data.intent_examples:
        parsed = await agent.parse_message(example.get("text"))
        gold.append(example.get("intent"))
        # Below the fallback threshold the bot answers out_of_scope's menu: same behaviour.
        name = parsed["intent"]["name"]
        predicted.append("out_of_scope" if name == "nlu_fallback" else name)
        expected = _entities(example.get("entities") or [], synonyms)
        got = _entities(parsed.get("entities") or [], synonyms)
        true_positive += sum((expected & got).values())
        false_positive += sum((got - expected).values())
        false_negative += sum((expected - got).values())
    precision = true_positive / max(true_positive + false_positive, 1)
    recall = true_positive / max(true_positive + false_negative, 1)
    return {
        "examples": len(gold),
        "intent_macro_f1": round(float(f1_score(gold, predicted, average="macro")), 4),
        "intent_accuracy": round(sum(g == p for g, p in zip(gold, predicted)) / len(gold), 4),
        "entity_f1": round(2 * precision * recall / max(precision + recall, 1e-9), 4),
        "entities": true_positive + false_negative,
        "misclassified": [
            {"text": e.get("text"), "gold": g, "predicted": p}
            for e, g, p in zip(data.intent_examples, gold, predicted)
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
    if not MODEL.exists():
        print(f"{MODEL} is missing: run `make train` first", file=sys.stderr)
        return 1
    agent = Agent.load(str(MODEL))
    synonyms = _synonyms()
    results = {}
    for folder in sorted(p for p in HELDOUT.iterdir() if p.is_dir()):
        results[folder.name] = await evaluate(agent, folder, synonyms)
    results["danger_heldout"] = await danger_net(agent)  # type: ignore[assignment]
    out = ROOT / "results" / "nlu.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(
        f"\n{'language':<10} {'examples':>8} {'intent macro-F1':>16} {'accuracy':>9} {'entity F1':>10} {'entities':>9}"
    )
    for language, r in results.items():
        if language == "danger_heldout":
            continue
        print(
            f"{language:<10} {r['examples']:>8} {r['intent_macro_f1']:>16.3f} "
            f"{r['intent_accuracy']:>9.3f} {r['entity_f1']:>10.3f} {r['entities']:>9}"
        )
    print(
        f"\n{'language':<10} {'danger msgs':>11} {'model':>7} {'lexicon':>8} {'either':>7} {'false alarms':>13}"
    )
    for language, d in results["danger_heldout"].items():  # type: ignore[union-attr]
        print(
            f"{language:<10} {d['messages']:>11} {d['recall_model']:>7.3f} {d['recall_lexicon']:>8.3f} "
            f"{d['recall_either']:>7.3f} {d['false_alarms']:>13.3f}"
        )
    print(f"\nmisclassified examples: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
