"""`rahnuma`: run the stack, chat with it, and keep content in shape."""

from __future__ import annotations

import argparse
import signal
import sys
import time
import uuid

import httpx

from bot.config import ROOT, get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rahnuma", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start engine, actions and gateway; Ctrl-C stops all")
    run.add_argument("--gateway-port", type=int, default=8000)
    run.add_argument("--engine-port", type=int, default=5005)
    run.add_argument("--actions-port", type=int, default=5055)

    chat = commands.add_parser("chat", help="talk to the running bot through the simulator")
    chat.add_argument("--url", default="http://127.0.0.1:8000")
    chat.add_argument("--channel", choices=["sms", "telegram"], default="sms")
    chat.add_argument("--lang", choices=["en", "ur", "ur_Latn"], help="start in this language")
    chat.add_argument("--from", dest="sender", help="simulated sender (default: a new one)")

    content = commands.add_parser("content", help="content tools")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    content_commands.add_parser("locations", help="regenerate NLU place names from the gazetteer")

    args = parser.parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "chat":
        return _chat(args)
    if args.command == "content" and args.content_command == "locations":
        return _locations()
    return 2


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run(args: argparse.Namespace) -> int:
    from bot.stack import Ports, Stack

    stack = Stack(get_settings(), Ports(args.gateway_port, args.engine_port, args.actions_port))
    # Explicit handlers: a process started in the background inherits an ignored SIGINT.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        print("Starting the action server, the engine (about 30 s) and the gateway...")
        stack.start()
        stack.wait_healthy()
        print(
            f"\nRahnuma is running: gateway http://127.0.0.1:{args.gateway_port} "
            f"(engine :{args.engine_port}, actions :{args.actions_port}).\n"
            f"Talk to it:  .venv/bin/rahnuma chat --lang en   (or --lang ur, --lang ur_Latn)\n"
            f"Or:          curl -s localhost:{args.gateway_port}/simulator/messages "
            "-H 'content-type: application/json' "
            """-d '{"channel":"sms","from":"demo","text":"salam"}'\n"""
            f"Logs in var/*.log. Ctrl-C stops everything."
        )
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        print("A part stopped unexpectedly; see var/*.log", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"Could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()


_LANGUAGE_WORDS = {"en": "english", "ur": "اردو", "ur_Latn": "roman urdu"}


def _chat(args: argparse.Namespace) -> int:
    sender = args.sender or f"chat-{uuid.uuid4().hex[:8]}"
    url = f"{args.url.rstrip('/')}/simulator/messages"

    def send(text: str) -> None:
        body = {"channel": args.channel, "from": sender, "text": text}
        try:
            response = httpx.post(url, json=body, timeout=30)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            print(f"(the gateway did not answer: {exc}; is `make run` going?)", file=sys.stderr)
            return
        for reply in response.json()["replies"]:
            print(f"\nbot> {reply['text']}")
            if args.channel == "telegram" and reply["options"]:
                print("     [" + "] [".join(reply["options"]) + "]")
            print(f"     ({reply['segments']} SMS segment(s), {reply['encoding']})")

    print("Type a message; an empty line or Ctrl-D ends the chat.")
    if args.lang:
        send(_LANGUAGE_WORDS[args.lang])
    while True:
        try:
            text = input("\nyou> ")
        except EOFError:
            return 0
        if not text.strip():
            return 0
        send(text)


def _locations() -> int:
    from bot.directory.nlu_export import locations_nlu

    target = ROOT / "dialogues" / "data" / "nlu" / "shared" / "locations.yml"
    target.write_text(locations_nlu(get_settings().gazetteer_file), encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
