"""Hypothesis settings for the fuzzing tests: `make test` runs 100 examples per property (a
smoke run that keeps the suite well under 30 minutes), `make fuzz` runs
RAHNUMA_FUZZ_EXAMPLES (3,000) per endpoint."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("RAHNUMA_FUZZ_EXAMPLES", "100"))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # no example database left in the working tree
)

# Any text a client can send, surrogates aside (they can't be encoded).
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
