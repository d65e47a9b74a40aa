"""Risk scoring: default scales and matrix, the level of a likelihood × consequence cell, rescaling ratings.

Pure functions (no database), shared by the models, the services and the heat map.
"""

from __future__ import annotations

import functools
import math

from openaims.risk.choices import LEVEL_RANK, RiskLevel

MIN_SCALE, MAX_SCALE = 3, 7

#: Default labels per scale size, lowest first (5×5 is the default criteria).
LIKELIHOOD_LABELS = {
    3: ["Unlikely", "Possible", "Likely"],
    4: ["Rare", "Unlikely", "Likely", "Almost certain"],
    5: ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"],
    6: ["Very rare", "Rare", "Unlikely", "Possible", "Likely", "Almost certain"],
    7: ["Very rare", "Rare", "Unlikely", "Possible", "Likely", "Very likely", "Almost certain"],
}
CONSEQUENCE_LABELS = {
    3: ["Minor", "Moderate", "Severe"],
    4: ["Minor", "Moderate", "Major", "Severe"],
    5: ["Negligible", "Minor", "Moderate", "Major", "Severe"],
    6: ["Negligible", "Minor", "Moderate", "Significant", "Major", "Severe"],
    7: ["Negligible", "Very minor", "Minor", "Moderate", "Significant", "Major", "Severe"],
}
DEFAULT_SIZE = 5
DEFAULT_THRESHOLD = RiskLevel.MEDIUM


def default_labels(kind: str, size: int) -> list[str]:
    """Default labels of the ``likelihood`` or ``consequence`` scale of ``size`` points."""
    table = LIKELIHOOD_LABELS if kind == "likelihood" else CONSEQUENCE_LABELS
    return list(table[size]) if size in table else [str(n) for n in range(1, size + 1)]


@functools.cache
def _default_matrix(likelihood_size: int, consequence_size: int) -> tuple[tuple[str, ...], ...]:
    rows = []
    for lik in range(1, likelihood_size + 1):
        row = []
        for con in range(1, consequence_size + 1):
            # The share of the worst score, as the classic 5×5 bands: ≤4 low, ≤9 medium, ≤16 high, else critical.
            share = (lik * con) / (likelihood_size * consequence_size)
            if share <= 4 / 25:
                level = RiskLevel.LOW
            elif share <= 9 / 25:
                level = RiskLevel.MEDIUM
            elif share <= 16 / 25:
                level = RiskLevel.HIGH
            else:
                level = RiskLevel.CRITICAL
            row.append(level.value)
        rows.append(tuple(row))
    return tuple(rows)


def default_matrix(likelihood_size: int, consequence_size: int) -> list[list[str]]:
    """The default matrix: ``matrix[likelihood - 1][consequence - 1]`` is a level, banded by the score's share."""
    return [list(row) for row in _default_matrix(likelihood_size, consequence_size)]


def level_of(matrix: list[list[str]], likelihood: int | None, consequence: int | None) -> str:
    """The level of a cell, or ``""`` when either rating is missing or off the matrix."""
    if not likelihood or not consequence:
        return ""
    if not 1 <= likelihood <= len(matrix) or not 1 <= consequence <= len(matrix[0]):
        return ""
    return matrix[likelihood - 1][consequence - 1]


def matrix_problems(matrix, likelihood_size: int, consequence_size: int) -> list[str]:
    """What is wrong with a matrix: its shape, unknown levels, a level that drops as a rating rises."""
    if not isinstance(matrix, list) or len(matrix) != likelihood_size:
        return [f"Must have one row per likelihood rating ({likelihood_size} rows)."]
    problems = []
    for index, row in enumerate(matrix, start=1):
        if not isinstance(row, list) or len(row) != consequence_size:
            return [f"Row {index} must have one cell per consequence rating ({consequence_size} cells)."]
        for cell in row:
            if cell not in RiskLevel.values:
                problems.append(f"Row {index}: {cell!r} is not a level (one of {', '.join(RiskLevel.values)}).")
    if problems:
        return problems
    for lik in range(likelihood_size):
        for con in range(consequence_size):
            rank = LEVEL_RANK[matrix[lik][con]]
            if lik and LEVEL_RANK[matrix[lik - 1][con]] > rank or con and LEVEL_RANK[matrix[lik][con - 1]] > rank:
                return [
                    f"Likelihood {lik + 1} × consequence {con + 1} is lower than a cell with lower ratings: "
                    "a level must not drop as likelihood or consequence rises."
                ]
    return []


def rescale(rating: int | None, old_size: int, new_size: int) -> int | None:
    """A rating on a scale of ``old_size`` points moved to ``new_size`` points, keeping both ends."""
    if rating is None or old_size == new_size:
        return rating
    rating = min(max(rating, 1), old_size)
    # Half up, not Python's half to even, so the mapping is symmetric around the middle.
    return 1 + math.floor((rating - 1) * (new_size - 1) / (old_size - 1) + 0.5)
