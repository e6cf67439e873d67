"""Hostile text for every free-text field: stored, then rendered, it must never run.

Importable by any test (``from tests.payloads import PAYLOADS, combined``). The canary
payloads set ``window.__xss``; a browser test asserts it stays undefined and no dialog opens.
"""

from __future__ import annotations

PAYLOADS: tuple[str, ...] = (
    "x</script><script>alert(1)</script>",
    "`${alert(1)}`",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    '<img src=x onerror="window.__xss=1">',
    "'><script>window.__xss=1</script>",
    "${window.__xss=1}",
)

# Substrings that must never appear inside a script as markup or code from user data.
SCRIPT_BREAKERS: tuple[str, ...] = ("</script", "<script", "<img", "<svg", "${", "`")


def combined(max_len: int = 200) -> str:
    """Return the payloads that fit in ``max_len`` characters (in order), joined by spaces."""
    out = ""
    for p in PAYLOADS:
        candidate = f"{out} {p}" if out else p
        if len(candidate) <= max_len:
            out = candidate
    return out
