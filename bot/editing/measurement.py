"""What a model's held-out figures were measured with, besides the model itself.

Plain Python: both environments import it (scripts/retrain.py in the engine's, the tests in
the app's). Figures kept beside a model count only while the test sets and the scoring code
are those they were measured with.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_SETS = (
    ROOT / "dialogues" / "tests" / "nlu_heldout",
    ROOT / "dialogues" / "tests" / "nlu_independent",
)
SCORING = (ROOT / "scripts" / "bench_nlu.py", ROOT / "bot" / "conversation" / "unsure.py")


def measured_with() -> str:
    digest = hashlib.sha256()
    files = sorted(path for folder in TEST_SETS for path in folder.rglob("*.yml"))
    for path in [*files, *SCORING]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def quality_file(model: Path) -> Path:
    """Where a model's held-out figures are kept, beside it."""
    return model.with_name(model.name.removesuffix(".tar.gz") + ".quality.json")


def model_sha256(model: Path) -> str:
    """The model file's fingerprint, read in blocks (the engine's Python 3.10 has no
    hashlib.file_digest)."""
    digest = hashlib.sha256()
    with model.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
