"""IBM Model 1 (Brown et al. 1993): the translation table t(target | source) that expectation-maximisation learns
from sentence pairs alone, each target token explained by some source token or by an empty source token. One
implementation serves word-by-word translation (over words) and the translation task's lexical bias (over subword
tokens): every co-occurrence of a source and a target token in a pair is one row of flat arrays, so an EM step is a
few bincounts, whatever the vocabulary's size."""
import numpy as np


def ibm_model1(pairs: list[tuple[list[int], list[int]]], empty: int, iterations: int = 5):
    """t(target | source) over the (source ids, target ids) pairs, the source id `empty` standing for the empty
    token that every pair holds. Returns (sources, targets, probabilities): one entry per (source, target) that
    co-occur, t(target | source) summing to one over each source's targets."""
    source_rows, target_rows, position_rows = [], [], []
    position = 0  # one id per target token of the corpus: its probability is normalised over the sources
    for sources, targets in pairs:
        sources = np.asarray([*sources, empty], dtype=np.int64)
        targets = np.asarray(targets, dtype=np.int64)
        source_rows.append(np.tile(sources, len(targets)))
        target_rows.append(np.repeat(targets, len(sources)))
        position_rows.append(np.repeat(np.arange(position, position + len(targets)), len(sources)))
        position += len(targets)
    if not position:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    source, target, token = (np.concatenate(rows) for rows in (source_rows, target_rows, position_rows))
    # one id per distinct (source, target): the table's entries
    width = int(target.max()) + 1
    keys, entry = np.unique(source * width + target, return_inverse=True)
    entries = np.stack([keys // width, keys % width])
    table = np.ones(len(keys))  # uniform before the first step
    for _ in range(iterations):
        likelihood = table[entry]
        share = likelihood / np.bincount(token, likelihood)[token]  # each target token's posterior over its sources
        expected = np.bincount(entry, share, minlength=len(table))
        per_source = np.bincount(entries[0], expected)
        table = expected / per_source[entries[0]]
    return entries[0], entries[1], table
