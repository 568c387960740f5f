"""The engine loads a new model beside the serving one (engine/model_swap.py), in the
engine's own environment, with a model load that takes a second and a half as Rasa's does
(blocking): the event loop goes on meanwhile, loads run one at a time in the order asked
(also when a caller gave up waiting), and a load that fails gives Rasa an agent without a
model, which `PUT /model` refuses while the serving agent stays. The real model, through a
real swap: tests/e2e/test_model_swap.py."""

from __future__ import annotations

import subprocess
import textwrap

from bot.config import ROOT
from bot.ops.stack import PRIVATE_RASA

CHECK = textwrap.dedent(
    """
    import asyncio, logging, sys, tempfile, threading, time
    from pathlib import Path
    sys.path.insert(0, "engine")
    import model_swap
    import rasa.core.agent
    from rasa.core.agent import Agent

    logging.basicConfig(level=logging.INFO, stream=sys.stdout)
    PATCHED = sys.argv[1] == "patched"
    if PATCHED:
        model_swap.load_beside_serving()
    loads = []

    def slow_load(self, model_path, fingerprint=None):
        started = time.monotonic()
        time.sleep(1.5)  # Rasa's load holds the thread it runs in (TensorFlow graph building)
        if Path(model_path).name == "broken.tar.gz":
            raise ValueError("not a model")
        self.processor = Path(model_path).name
        loads.append((Path(model_path).name, threading.current_thread().name, started,
                      time.monotonic()))

    Agent.load_model = slow_load

    async def main(folder):
        for name in ("a.tar.gz", "b.tar.gz", "c.tar.gz", "broken.tar.gz"):
            (folder / name).write_bytes(b"")
        ticks = 0
        loading = True

        async def tick():
            nonlocal ticks
            while loading:
                await asyncio.sleep(0.05)
                ticks += 1

        ticker = asyncio.create_task(tick())
        load = rasa.core.agent.load_agent
        first = asyncio.create_task(load(model_path=str(folder / "a.tar.gz")))
        await asyncio.sleep(0.1)
        second = asyncio.create_task(load(model_path=str(folder / "b.tar.gz")))
        third = asyncio.create_task(load(model_path=str(folder / "c.tar.gz")))
        await asyncio.sleep(0.1)
        first.cancel()  # its caller gave up: the load goes on, and the next waits for it
        agents = await asyncio.gather(second, third)
        broken = await load(model_path=str(folder / "broken.tar.gz"))
        loading = False
        await ticker
        print("ticks", ticks >= 50)  # 6 s of loading: the loop ran all along
        print("ready", [agent.processor for agent in agents], broken.is_ready())
        print("order", [name for name, *_ in loads])
        print("apart", all(b[2] >= a[3] for a, b in zip(loads, loads[1:])))
        print("thread", {thread for _, thread, *_ in loads})

    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(main(Path(folder)))
    """
)


def run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PRIVATE_RASA[0], "-c", CHECK, mode], cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def test_a_model_loads_off_the_event_loop_one_at_a_time_in_order() -> None:
    done = run("patched")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert "ticks True" in lines
    assert "ready ['b.tar.gz', 'c.tar.gz'] False" in lines
    assert "order ['a.tar.gz', 'b.tar.gz', 'c.tar.gz']" in lines
    assert "apart True" in lines
    assert any(line.startswith("thread {'model-loader") for line in lines)
    assert "could not load the model" in done.stdout + done.stderr


def test_rasas_own_load_holds_the_event_loop() -> None:
    """What engine/model_swap.py repairs, and so the check above can tell it: unpatched, the
    loop stands still while a model loads (and a cancelled load is no load at all)."""
    done = run("rasa")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ticks False" in done.stdout.splitlines()
