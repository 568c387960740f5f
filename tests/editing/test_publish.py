"""Publishing: checked, recorded, live without a restart; nothing changes when a check fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.config import Settings, get_settings
from bot.editing.publish import publish, served_locales
from bot.editing.retrain import Candidate, ModelRefusedError
from bot.store import Database, Publication
from bot.wording.catalogs import Catalogs
from tests.auxil.dialogue import Dialogue
from tests.auxil.services import free_port
from tests.editing.conftest import edit

NEW_URDU_THANKS = "آپ کا بہت شکریہ، جب چاہیں لکھیں۔"


def test_a_wording_change_goes_live_on_publish(working_copy: Settings) -> None:
    assert publish(working_copy, by="Editor A", rasa_check=False).ok
    served = Catalogs(served_locales(working_copy))  # what the gateway renders from
    old = served.render("ur", "thank.reply")
    edit(
        working_copy.locales_dir / "ur" / "LC_MESSAGES" / "messages.po",
        "thank.reply",
        NEW_URDU_THANKS,
    )
    served.reload_if_changed()
    assert served.render("ur", "thank.reply") == old  # editing alone changes nothing for survivors
    result = publish(working_copy, by="Editor A", rasa_check=False)
    assert result.ok and result.changed_keys == ["ur:thank.reply"]
    assert served.reload_if_changed()
    assert served.render("ur", "thank.reply") == NEW_URDU_THANKS
    with Database(working_copy.database_url).session() as session:
        records = list(session.scalars(select(Publication).order_by(Publication.id)))
    assert [(r.published_by, r.changed_keys) for r in records][-1] == (
        "Editor A",
        ["ur:thank.reply"],
    )


def test_a_publish_whose_check_fails_changes_nothing(
    working_copy: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert publish(working_copy, by="Editor A", rasa_check=False).ok
    before = served_locales(working_copy).resolve()
    edit(
        working_copy.locales_dir / "en" / "LC_MESSAGES" / "messages.po",
        "thank.reply",
        "Rescue: you are welcome.",
    )
    result = publish(working_copy, by="Editor B", rasa_check=False)
    assert not result.ok
    assert served_locales(working_copy).resolve() == before
    with Database(working_copy.database_url).session() as session:
        assert "Editor B" not in {r.published_by for r in session.scalars(select(Publication))}
    assert main(["content", "publish", "--by", "Editor B"]) == 1
    assert "nothing was published" in capsys.readouterr().err


def test_publishing_needs_a_name(working_copy: Settings) -> None:
    with pytest.raises(ValueError, match="name"):
        publish(working_copy, by=" ", rasa_check=False)


def test_a_new_language_is_content_not_code(working_copy: Settings) -> None:
    """Adding locales/<code>/ offers the language and renders in it."""
    sindhi = working_copy.locales_dir / "sd" / "LC_MESSAGES"
    shutil.copytree(working_copy.locales_dir / "ur_Latn" / "LC_MESSAGES", sindhi)
    edit(sindhi / "messages.po", "language.name", "سنڌي")
    edit(sindhi / "messages.po", "language.name_latin", "Sindhi")
    edit(sindhi / "messages.po", "thank.reply", "مهرباني، ڪڏهن به لکو.")
    assert publish(working_copy, by="Editor A", rasa_check=False).ok
    get_settings.cache_clear()

    dialogue = Dialogue()
    dialogue.say("greet")
    menu = dialogue.say("change_language", "language")[-1]  # the LANGUAGE keyword's menu
    assert [o.in_language for o in menu.options] == ["en", "sd", "ur", "ur_Latn"]
    assert dialogue.choose("2")[0].set_language == "sd"
    served = Catalogs(served_locales(working_copy))
    assert served.render("sd", "thank.reply") == "مهرباني، ڪڏهن به لکو."
    assert served.render("sd", "language.name") == "سنڌي"


def test_a_refused_model_publishes_nothing_and_says_why(
    working_copy: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trainer itself is exercised in test_retrain.py; here, what publish does with a no."""
    assert publish(working_copy, by="Editor A", rasa_check=False).ok
    before = served_locales(working_copy).resolve()
    edit(working_copy.locales_dir / "ur" / "LC_MESSAGES" / "messages.po", "thank.reply",
         NEW_URDU_THANKS)  # fmt: skip
    why = "every held-out message: intent macro-F1 0.850, serving model 0.925"

    def refuse(_: object, **__: object) -> None:
        raise ModelRefusedError([why])

    monkeypatch.setattr("bot.editing.publish.retrain", refuse)
    result = publish(working_copy, by="Editor B", rasa_check=False, force_model=True)
    assert not result.ok and not result.model_swapped
    assert [f.problem for f in result.findings] == [f"the new model is refused: {why}"]
    assert served_locales(working_copy).resolve() == before  # not even the wording went live
    with Database(working_copy.database_url).session() as session:
        assert "Editor B" not in {r.published_by for r in session.scalars(select(Publication))}


def test_an_engine_that_cannot_load_the_new_model_publishes_nothing(
    working_copy: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert publish(working_copy, by="Editor A", rasa_check=False).ok
    before = served_locales(working_copy).resolve()
    trained = tmp_path / "rahnuma.candidate.tar.gz"
    trained.write_bytes(b"a trained model")
    figures = {"all": {"all": 0.9}}
    monkeypatch.setattr("bot.editing.publish.retrain",
                        lambda _, **__: Candidate(trained, True, 1.0, figures, figures))  # fmt: skip
    dead_engine = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("RAHNUMA_RASA_URL", dead_engine)
    get_settings.cache_clear()
    result = publish(get_settings(), by="Editor B", rasa_check=False, force_model=True)
    assert [f.problem for f in result.findings] == ["engine 1 did not answer (ConnectError)"]
    assert not trained.exists()  # the candidate is discarded, the serving model untouched
    assert served_locales(working_copy).resolve() == before


def test_wording_alone_is_published_without_the_engines_validation(
    working_copy: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rasa's validation needs the engine's environment and tens of seconds; wording touches no
    training data, so it runs only for a first publication or changed dialogues."""
    import bot.editing.publish as publishing

    asked: list[bool] = []

    def checks(settings: Settings, *, rasa: bool) -> list[object]:
        asked.append(rasa)
        return []

    monkeypatch.setattr(publishing, "run_checks", checks)
    assert publish(working_copy, by="Editor A").ok
    edit(working_copy.locales_dir / "ur" / "LC_MESSAGES" / "messages.po", "thank.reply",
         NEW_URDU_THANKS)  # fmt: skip
    assert publish(working_copy, by="Editor B").ok
    with Database(working_copy.database_url).session() as session:
        session.add(Publication(published_by="Editor C", version="v", changed_keys=[],
                                dialogues_hash="training data of an older day"))  # fmt: skip

    def refuse(_: object, **__: object) -> None:  # the training itself is test_retrain.py's
        raise ModelRefusedError(["not trained in this test"])

    monkeypatch.setattr(publishing, "retrain", refuse)
    publish(working_copy, by="Editor D")
    assert asked == [True, False, True]  # first, wording only, dialogues changed
