"""HW4 (CNNs, theory): reference solutions that compute every key the HW4 rubric points at.

Importing this package registers every reference function on ``REFERENCES``. It must stay
cheap: torch is imported lazily inside the functions that need it, never at module import.
The question text, verified answers and the official key's errors are in
``/work/shared/hw4/digest.md``; the item ids and kinds are in ``QUESTIONS.md``.
"""

from __future__ import annotations

from reference import Registry

REFERENCES = Registry("hw4")

# The question modules register themselves on REFERENCES when imported (they import it from here,
# so it has to exist first).
from reference.hw4 import instances, q1, q2, q3, q4, q5, q6  # noqa: E402,F401

__all__ = ["REFERENCES"]
