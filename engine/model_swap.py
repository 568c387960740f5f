"""A new model is loaded beside the serving one, so that nobody waits while it loads.

Rasa 3.6's `PUT /model` loads the new model on the engine's event loop: unpacking it and
building its TensorFlow graph take seconds (tens of seconds with Rasa's own load, which
engine/inference_load.py shortens; more on a busy machine), and for all that time the
engine answers nobody. A message meanwhile waits, and past the gateway's wait gets the
holding reply; the health check fails too. Publishing and retraining swap models while
survivors write.

Here the same work runs in one worker thread of its own: the old agent keeps answering on
the loop until the new one is whole, then Rasa's handler swaps `app.ctx.agent` as before
(keeping the serving lock store, so one person's turns stay in order across the swap).
What the loop must build stays on it (the event broker, which may hold the loop's
connections); the tracker store, the lock store and the model are built in the thread,
each new and seen by no turn until the swap. One worker: loads run one at a time in the
order they were asked for, so the last `PUT` wins and at most two models are in memory
(the engine's memory limit allows two), even when a caller gave up waiting. A load that
fails leaves the serving agent in place and `PUT /model` answers 400, as Rasa does.

Threads and TensorFlow: the serving model only predicts (its graph was traced when it
loaded); the new one is built in the thread's own default graph (thread-local in TensorFlow
and Keras). Keras's `clear_session`, which Rasa calls when it builds a model, clears shared
kernel caches that running operations hold their own references to; Rasa's blocking load
already ran it with the old model kept for later turns. `tests/e2e/test_model_swap.py` sends
messages throughout a swap and checks each answer is the one the model gives without one.

A model server or remote storage (not used here) still loads Rasa's own way.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import rasa.core.agent
import rasa.shared.utils.io
from rasa.core.agent import Agent
from rasa.core.brokers.broker import EventBroker
from rasa.core.http_interpreter import RasaNLUHttpInterpreter
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.exceptions import ModelNotFound

log = logging.getLogger("rahnuma.engine")

_rasa_load_agent = rasa.core.agent.load_agent
# One load at a time, first asked first loaded; a load continues when its caller gave up.
_loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-loader")


def _agent_with_model(
    model_path: str | Path | None, endpoints: AvailableEndpoints | None, broker: Any
) -> Agent:
    """Rasa's `load_agent` for a model on disk, less the broker: run in the loader thread."""
    tracker_store = lock_store = generator = action_endpoint = http_interpreter = None
    if endpoints:
        tracker_store = TrackerStore.create(endpoints.tracker_store, event_broker=broker)
        lock_store = LockStore.create(endpoints.lock_store)
        generator = endpoints.nlg
        action_endpoint = endpoints.action
        if endpoints.nlu:
            http_interpreter = RasaNLUHttpInterpreter(endpoints.nlu)
    agent = Agent(
        generator=generator,
        tracker_store=tracker_store,
        lock_store=lock_store,
        action_endpoint=action_endpoint,
        http_interpreter=http_interpreter,
    )
    if model_path is None or not os.path.exists(model_path):
        rasa.shared.utils.io.raise_warning(
            "No valid configuration given to load agent. Agent loaded with no model!"
        )
        return agent
    try:
        agent.load_model(model_path)
    except ModelNotFound:
        rasa.shared.utils.io.raise_warning(f"No valid model found at {model_path}!")
    except Exception:  # Rasa's contract: an agent without a model (PUT answers 400)
        log.error("could not load the model", exc_info=True)  # no one's words in a model
    return agent


async def load_agent(
    model_path: str | Path | None = None,
    model_server: Any = None,
    remote_storage: str | None = None,
    endpoints: AvailableEndpoints | None = None,
    loop: asyncio.AbstractEventLoop | None = None,
) -> Agent:
    """`rasa.core.agent.load_agent`, with the model loaded off the event loop."""
    if model_server is not None or remote_storage is not None or (endpoints and endpoints.model):
        return await _rasa_load_agent(model_path, model_server, remote_storage, endpoints, loop)
    broker = await EventBroker.create(endpoints.event_broker, loop=loop) if endpoints else None
    running = asyncio.get_running_loop()
    return await running.run_in_executor(_loader, _agent_with_model, model_path, endpoints, broker)


def load_beside_serving() -> None:
    # Read at call time by the server's `PUT /model` and by the start (rasa.core.run).
    rasa.core.agent.load_agent = load_agent
