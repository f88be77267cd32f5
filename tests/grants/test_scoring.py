from decimal import Decimal
from types import SimpleNamespace

from grants.scoring import below_thresholds, consolidate, rank_key, weighted_score
from grants.seed import SCORING_GRID


def _scores(**values):
    return {code: {"score": value} for code, value in values.items()}


def test_a_weighted_score_uses_weights_and_maximums():
    # coverage 8/10 (50 %), supralocal 5/10 (30 %), tariff 5/5 (20 %): 0.4 + 0.15 + 0.2
    assert weighted_score(SCORING_GRID, _scores(coverage="8", supralocal="5", tariff="5")) == Decimal("0.750000")


def test_n_a_leaves_the_mean_and_never_counts_as_zero():
    with_na = weighted_score(SCORING_GRID, _scores(coverage="8", supralocal="na", tariff="5"))
    # (0.5 x 0.8 + 0.2 x 1) / 0.7
    assert with_na == Decimal("0.857143")
    as_zero = weighted_score(SCORING_GRID, _scores(coverage="8", supralocal="0", tariff="5"))
    assert with_na > as_zero == Decimal("0.600000")
    assert weighted_score(SCORING_GRID, _scores(coverage="na", supralocal="na", tariff="na")) is None


def test_criteria_below_their_minimum_are_flagged():
    assert below_thresholds(SCORING_GRID, _scores(coverage="3", supralocal="0", tariff="5")) == ["coverage"]


def _review(score, **scores):
    return SimpleNamespace(weighted_score=Decimal(score), scores=_scores(**scores))


def test_consolidation_is_the_mean_with_a_divergence_flag():
    reviews = [_review("0.800000", coverage="8"), _review("0.550000", coverage="5")]
    result = consolidate(SCORING_GRID, reviews, margin_points=Decimal("20"))
    assert result.score == Decimal("0.675000")
    assert result.divergent is True  # 25 points apart
    assert consolidate(SCORING_GRID, reviews, margin_points=Decimal("30")).divergent is False
    assert result.criterion_means["coverage"] == Decimal("6.5")


def test_ties_go_to_the_heaviest_criterion_then_to_the_earlier_submission():
    a = consolidate(SCORING_GRID, [_review("0.700000", coverage="9")], Decimal("20"))
    b = consolidate(SCORING_GRID, [_review("0.700000", coverage="6")], Decimal("20"))
    assert rank_key(SCORING_GRID, a, 2) < rank_key(SCORING_GRID, b, 1)
    c = consolidate(SCORING_GRID, [_review("0.700000", coverage="9")], Decimal("20"))
    assert rank_key(SCORING_GRID, a, 1) < rank_key(SCORING_GRID, c, 2)
