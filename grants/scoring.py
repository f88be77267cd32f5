"""Scores on a call's grid: a reviewer's weighted score (n/a criteria leave the mean, never count as zero), the
consolidated score of an application, the divergence flag, and the ranking of a call with its tie rule."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.money import to_rate

NA = "na"


def weighted_score(grid: list[dict], scores: dict[str, Any]) -> Decimal | None:
    """Sum of weight x score/maximum over the criteria scored, divided by the weights of those criteria (0 to 1).
    None when every criterion is n/a."""
    numerator = Decimal("0")
    weights = Decimal("0")
    for criterion in grid:
        value = (scores.get(criterion["code"]) or {}).get("score")
        if value in (None, NA, ""):
            continue
        weight = Decimal(str(criterion["weight"]))
        numerator += weight * Decimal(str(value)) / Decimal(str(criterion["max_score"]))
        weights += weight
    return to_rate(numerator / weights) if weights else None


def below_thresholds(grid: list[dict], scores: dict[str, Any]) -> list[str]:
    below = []
    for criterion in grid:
        value = (scores.get(criterion["code"]) or {}).get("score")
        if value not in (None, NA, "") and Decimal(str(value)) < Decimal(str(criterion.get("min_score", 0))):
            below.append(criterion["code"])
    return below


@dataclass(frozen=True)
class Consolidated:
    score: Decimal | None  # mean of the reviewers' weighted scores, 0 to 1
    reviews: int
    divergent: bool
    below_threshold: list[str]
    criterion_means: dict[str, Decimal | None]


def consolidate(grid: list[dict], reviews: list, margin_points: Decimal) -> Consolidated:
    """`reviews` are submitted Review rows. Divergent when two reviewers are more than `margin_points` apart (out of
    100); a criterion is below its threshold when the reviewers' mean score on it is."""
    weighted = [r.weighted_score for r in reviews if r.weighted_score is not None]
    score = to_rate(sum(weighted, Decimal("0")) / len(weighted)) if weighted else None
    divergent = bool(weighted) and (max(weighted) - min(weighted)) * 100 > margin_points
    means: dict[str, Decimal | None] = {}
    below = []
    for criterion in grid:
        values = [
            Decimal(str(v))
            for r in reviews
            if (v := (r.scores.get(criterion["code"]) or {}).get("score")) not in (None, NA, "")
        ]
        mean = sum(values, Decimal("0")) / len(values) if values else None
        means[criterion["code"]] = mean
        if mean is not None and mean < Decimal(str(criterion.get("min_score", 0))):
            below.append(criterion["code"])
    return Consolidated(score, len(reviews), divergent, below, means)


def rank_key(grid: list[dict], consolidated: Consolidated, first_submitted_at) -> tuple:
    """Higher score first; ties go to the higher mean on the heaviest criterion, then to the earlier submission."""
    heaviest = max(grid, key=lambda c: Decimal(str(c["weight"])))["code"] if grid else None
    heavy_mean = consolidated.criterion_means.get(heaviest) if heaviest else None
    return (
        -(consolidated.score if consolidated.score is not None else Decimal("-1")),
        -(heavy_mean if heavy_mean is not None else Decimal("-1")),
        first_submitted_at,
    )
