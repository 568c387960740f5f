"""The learner: retraining where the engine's environment is, for a gateway that has none.

In docker-compose the gateway's image holds no Rasa; this small HTTP service runs in the
engine's image (rasa/rasa:3.6.21) beside it. The gateway asks it to train and measure a
candidate (scripts/retrain.py, the same command `make` and the tests run), and gets the same
one-line JSON report back; the candidate lands in the models volume both share.

    python scripts/learner.py --port 5056    (RAHNUMA_RASA_TOKEN: the bearer token)

POST /retrain {"serving", "out", "dialogues", "finetune_only", "epoch_fraction"} answers
{"returncode", "report"} once the training is done; one at a time (409 while busy). Every
path must lie under one of LEARNER_ROOTS (":"-separated), so a caller with the token can't
make it read or write elsewhere. GET /health answers 200. Nothing a person wrote is logged:
the training's output stays in the report's absence (its warnings can quote examples).
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
RETRAIN = ROOT / "scripts" / "retrain.py"
MAX_BODY = 10_000
MIN_TOKEN = 12
_busy = threading.Lock()


class LearnerError(ValueError):
    """A request the learner refuses; the message says why (never a path's content)."""


def allowed_roots() -> list[Path]:
    roots = os.environ.get("LEARNER_ROOTS", f"{ROOT / 'models'}:{ROOT / 'dialogues'}")
    return [Path(root).resolve() for root in roots.split(":") if root]


def _inside(path: str, roots: list[Path]) -> Path:
    resolved = Path(path).resolve()
    if not any(resolved == root or root in resolved.parents for root in roots):
        raise LearnerError("a path outside the learner's folders")
    return resolved


def command(request: dict[str, Any], roots: list[Path]) -> list[str]:
    """The retraining command for a request, every path checked."""
    try:
        serving = _inside(str(request["serving"]), roots)
        out = _inside(str(request["out"]), roots)
        dialogues = _inside(str(request["dialogues"]), roots)
    except KeyError as missing:
        raise LearnerError(f"{missing.args[0]!r} is missing") from None
    argv = [sys.executable, str(RETRAIN), "--serving", str(serving), "--out", str(out),
            "--dialogues", str(dialogues)]  # fmt: skip
    if request.get("finetune_only"):
        argv.append("--finetune-only")
    fraction = request.get("epoch_fraction")
    if fraction is not None:
        if not isinstance(fraction, int | float) or not 0 < float(fraction) <= 1:
            raise LearnerError("epoch_fraction must be a number in (0, 1]")
        argv += ["--epoch-fraction", str(float(fraction))]
    return argv


def retrain(request: dict[str, Any], roots: list[Path]) -> dict[str, Any]:
    argv = command(request, roots)
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    lines = done.stdout.strip().splitlines()
    report = None
    if done.returncode in (0, 3) and lines:
        report = json.loads(lines[-1])
    return {"returncode": done.returncode, "report": report}


class Handler(BaseHTTPRequestHandler):
    token: ClassVar[str] = ""
    roots: ClassVar[list[Path]] = []

    def do_GET(self) -> None:
        self._answer(200 if self.path == "/health" else 404, {"ok": self.path == "/health"})

    def do_POST(self) -> None:
        if self.path != "/retrain":
            return self._answer(404, {"error": "no such endpoint"})
        given = self.headers.get("Authorization", "")
        if not self.token or not hmac.compare_digest(given, f"Bearer {self.token}"):
            return self._answer(401, {"error": "a bearer token is needed"})
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._answer(413, {"error": "the request is too large"})
        try:
            request = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(request, dict):
                raise LearnerError("the request must be a JSON object")
            if not _busy.acquire(blocking=False):
                return self._answer(409, {"error": "a retraining is running"})
            try:
                answer = retrain(request, self.roots)
            finally:
                _busy.release()
        except (LearnerError, json.JSONDecodeError) as refused:
            return self._answer(422, {"error": str(refused)})
        return self._answer(200, answer)

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Request lines only (method, path, status): no bodies, no addresses."""
        sys.stderr.write(f"learner: {args[0] if args else ''} {args[1] if len(args) > 1 else ''}\n")


def serve(port: int, host: str = "0.0.0.0") -> ThreadingHTTPServer:  # noqa: S104 (a container)
    Handler.token = os.environ.get("RAHNUMA_RASA_TOKEN", "")
    Handler.roots = allowed_roots()
    if len(Handler.token) < MIN_TOKEN:
        raise SystemExit(f"RAHNUMA_RASA_TOKEN must be set (at least {MIN_TOKEN} characters)")
    return ThreadingHTTPServer((host, port), Handler)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5056)
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104
    args = parser.parse_args()
    server = serve(args.port, args.host)
    print(f"learner listening on port {args.port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
