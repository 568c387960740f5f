from __future__ import annotations

import pytest

from bot.wording.segments import sms_shape


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # extension characters take two septets
        ("€" * 81, "GSM-7", 2),
        ("ا" * 70, "UCS-2", 1),
        ("ا" * 71, "UCS-2", 2),
        ("a" * 133 + "ب", "UCS-2", 2),  # one Urdu letter forces UCS-2 for all
        ("ب" * 135, "UCS-2", 3),
        ("😀" * 35, "UCS-2", 1),  # astral characters take two UTF-16 units
        ("😀" * 36, "UCS-2", 2),
        ("", "GSM-7", 1),
    ],
)
def test_segments(text: str, encoding: str, segments: int) -> None:
    shape = sms_shape(text)
    assert (shape.encoding, shape.segments) == (encoding, segments)
