"""The statistics of a verdict: each contender's mean with a Student t 95% interval over its seeds, Welch's t-test on
every pair, Holm's correction for the number of pairs, and ranks in which a gap that is not significant is a tie."""
import math
import statistics
import warnings
from dataclasses import dataclass, field
from itertools import combinations

from scipy import stats
from statsmodels.stats.multitest import multipletests

CONFIDENCE = 0.95
ALPHA = 0.05


@dataclass
class Estimate:
    mean: float
    low: float | None  # None with a single seed: one value has no spread to build an interval from
    high: float | None
    n: int


def interval(values: list[float], confidence: float = CONFIDENCE) -> Estimate:
    """Mean ± t(1 - (1 - confidence) / 2, n - 1) · s / √n."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return Estimate(mean, None, None, len(values))
    half = stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return Estimate(mean, mean - half, mean + half, len(values))


def welch(a: list[float], b: list[float]) -> float | None:
    """Two-sided p of Welch's t-test (unequal variances); None where a side has one value (nothing to test)."""
    if len(a) < 2 or len(b) < 2:
        return None
    if statistics.pvariance(a) == 0 and statistics.pvariance(b) == 0:
        # two constant samples (a probe solved on every seed): t is 0/0 or ±inf; the means alone decide
        return 1.0 if statistics.fmean(a) == statistics.fmean(b) else 0.0
    with warnings.catch_warnings():
        # seeds that agree to the last digits (1.0, 1.0, 0.9999) make scipy warn of precision loss on every such
        # pair; its p is still the test's, and the warning would only bury the leaderboard
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


@dataclass
class Pair:
    better: str
    worse: str
    difference: float  # |mean(better) - mean(worse)|
    p: float | None  # Welch's; None where untestable
    adjusted: float | None = None  # Holm's
    significant: bool = False


@dataclass
class Standing:
    label: str
    estimate: Estimate
    rank: int | None = 1  # 1 + the number of contenders significantly better; None for one seed: untestable
    shared: bool = False  # another contender has the same rank: a tie
    better_than: list[Pair] = field(default_factory=list)  # the significant gaps below it


def verdict(samples: dict[str, list[float]], higher_is_better: bool,
            alpha: float = ALPHA) -> tuple[list[Standing], list[Pair]]:
    """Standings best first (by rank, then mean) and every pair, p Holm-adjusted over the pairs that could be tested.
    A contender's rank is 1 + the number of contenders significantly better than it, so those whose gap to the best
    is within noise share rank 1. A contender of one seed can be neither told apart nor tied: it has no rank and
    comes last."""
    sign = 1 if higher_is_better else -1
    standings = sorted((Standing(label, interval(values)) for label, values in samples.items() if values),
                       key=lambda standing: (-sign * standing.estimate.mean, standing.label))
    pairs = [Pair(better.label, worse.label, abs(better.estimate.mean - worse.estimate.mean),
                  welch(samples[better.label], samples[worse.label]))
             for better, worse in combinations(standings, 2)]
    tested = [pair for pair in pairs if pair.p is not None]
    if tested:
        reject, adjusted, _, _ = multipletests([pair.p for pair in tested], alpha=alpha, method="holm")
        for pair, significant, p in zip(tested, reject, adjusted):
            # equal means are no gap, whatever the test says
            pair.adjusted, pair.significant = float(p), bool(significant) and pair.difference > 0
    by_label = {standing.label: standing for standing in standings}
    for pair in pairs:
        if pair.significant:
            by_label[pair.better].better_than.append(pair)
            by_label[pair.worse].rank += 1
    for standing in standings:
        if standing.estimate.n < 2:
            standing.rank = None
    ranks = [standing.rank for standing in standings if standing.rank is not None]
    for standing in standings:
        standing.shared = standing.rank is not None and ranks.count(standing.rank) > 1
    standings.sort(key=lambda standing: (standing.rank is None, standing.rank or 0, -sign * standing.estimate.mean,
                                         standing.label))
    return standings, pairs


def rank_label(standing: Standing) -> str:
    """"1", "1=" where the rank is shared, "-" where there is none."""
    return "-" if standing.rank is None else f"{standing.rank}{'=' if standing.shared else ''}"
