"""The engine's launcher (engine/private_rasa.py), in the engine's own environment: a
tracker store that can't be reached fails the turn (Rasa's FailSafeTrackerStore would
answer from an empty conversation and keep the turn in memory), the REST channel then says
the turn failed instead of passing on half of it, and no log line carries the words (Rasa's
own events have their text keys blanked: review F1)."""

from __future__ import annotations

import subprocess
import textwrap

from bot.config import ROOT
from bot.ops.stack import PRIVATE_RASA

CHECK = textwrap.dedent(
    """
    import asyncio, logging, sys
    sys.path.insert(0, "engine")
    import private_rasa
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

    logging.basicConfig(level=logging.DEBUG, stream=sys.stdout)
    private_rasa.fail_closed()
    WORDS = "mera naam Zarmina hai"

    class Unreachable(InMemoryTrackerStore):
        async def retrieve(self, sender_id):
            raise ConnectionError(f"server closed the connection; parameters: {WORDS}")
        async def save(self, tracker):
            raise ConnectionError(f"server closed the connection; parameters: {WORDS}")

    async def main():
        store = FailSafeTrackerStore(Unreachable(None))
        for call in (store.retrieve("p_1"), store.save(None)):
            try:
                await call
            except private_rasa.TrackerStoreUnavailableError:
                print("refused")

        async def turn(message):
            await message.output_channel.send_text_message(message.sender_id, "half")
            await store.retrieve(message.sender_id)

        collector = CollectingOutputChannel()
        await private_rasa._failing_closed(turn)(UserMessage(WORDS, collector, "p_1"))
        print("answered", collector.messages)

    asyncio.run(main())
    # Rasa's own log events: the keys that hold what people wrote are blanked.
    event = {"event": "rest.message.received.timeout", "text": WORDS, "sender_id": "p_1"}
    print("logged", private_rasa.drop_private_values(None, "error", event))
    """
)


def test_a_turn_without_its_tracker_store_fails_closed_and_logs_no_words() -> None:
    done = subprocess.run(
        [PRIVATE_RASA[0], "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout + done.stderr
    assert done.stdout.count("refused") == 2  # neither read nor write falls back to memory
    assert "answered [{'recipient_id': 'p_1', 'custom': {'failed': True}}]" in done.stdout
    assert "Zarmina" not in out and "half" not in done.stdout.split("answered", 1)[1]
    assert "tracker store retrieve failed: ConnectionError" in out
    assert "logged {'event': 'rest.message.received.timeout', 'text': '[removed]'" in out
