"""The learner service (scripts/learner.py), run as docker-compose runs it but outside a
container: it answers only its token, never touches a path outside its folders, and a
training it could not do reaches the console as a failure, not as a crash. (A real
retraining through it: tests/e2e/test_learning.py, where the e2e stack starts it.)"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from bot.config import ROOT
from bot.editing.retrain import Learner, TrainingFailedError, train_candidate

TOKEN = "a-learner-token-for-tests"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("learner", ROOT / "scripts" / "learner.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def learner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("RAHNUMA_RASA_TOKEN", TOKEN)
    monkeypatch.setenv("LEARNER_ROOTS", f"{tmp_path / 'models'}:{tmp_path / 'dialogues'}")
    for folder in ("models", "dialogues"):
        (tmp_path / folder).mkdir()
    server = _module().serve(0, "127.0.0.1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def body(tmp_path: Path, **changes: object) -> dict[str, object]:
    return {"serving": str(tmp_path / "models" / "rahnuma.tar.gz"),
            "out": str(tmp_path / "models" / "candidate"),
            "dialogues": str(tmp_path / "dialogues"), **changes}  # fmt: skip


def test_it_answers_health_and_only_its_token(learner: str, tmp_path: Path) -> None:
    assert httpx.get(f"{learner}/health").status_code == 200
    assert httpx.post(f"{learner}/retrain", json=body(tmp_path)).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token-at-all"}
    assert httpx.post(f"{learner}/retrain", json=body(tmp_path), headers=wrong).status_code == 401


@pytest.mark.parametrize(
    "changes",
    [{"serving": "/etc/passwd"}, {"out": "/tmp/../etc"}, {"dialogues": "../../"},
     {"epoch_fraction": 5}, {"epoch_fraction": "all"}],
)  # fmt: skip
def test_paths_outside_its_folders_and_bad_values_are_refused(
    learner: str, tmp_path: Path, changes: dict[str, object]
) -> None:
    answer = httpx.post(f"{learner}/retrain", json=body(tmp_path, **changes),
                        headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    assert answer.status_code == 422


def test_malformed_and_oversized_requests_are_refused(learner: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.post(f"{learner}/retrain", content=b"{not json", headers=auth).status_code == 422
    assert httpx.post(f"{learner}/retrain", json=[1, 2], headers=auth).status_code == 422
    assert httpx.post(f"{learner}/retrain", json={}, headers=auth).status_code == 422
    huge = b"{" + b" " * 20_000 + b"}"
    assert httpx.post(f"{learner}/retrain", content=huge, headers=auth).status_code == 413


def test_a_training_it_could_not_do_is_a_training_failure_for_the_console(
    learner: str, tmp_path: Path
) -> None:
    """No model to fine-tune and no dialogues: the engine's script fails, and the gateway
    reports a failed training (the console shows it; nothing is swapped)."""
    with pytest.raises(TrainingFailedError, match="the learner at"):
        train_candidate(tmp_path / "models" / "rahnuma.tar.gz", tmp_path / "models" / "out",
                        dialogues=tmp_path / "dialogues", learner=Learner(learner, TOKEN))  # fmt: skip


def test_a_learner_that_is_not_there_is_a_training_failure(tmp_path: Path) -> None:
    with pytest.raises(TrainingFailedError, match="did not answer"):
        train_candidate(tmp_path / "m.tar.gz", tmp_path / "out", dialogues=tmp_path,
                        learner=Learner("http://127.0.0.1:9", TOKEN))  # fmt: skip
