"""IBM Model 1 (Brown et al. 1993): the translation table t(target | source) that expectation-maximisation learns
from sentence pairs alone, each target token explained by some source token or by an empty source token. One
implementation serves word-by-word translation (over words) and the translation task's lexical bias (over subword
tokens): every co-occurrence of a source and a target token in a pair is one row of flat arrays, so an EM step is a
few bincounts, whatever the vocabulary's size."""
from itertools import chain

import numpy as np


def ibm_model1(pairs: list[tuple[list[int], list[int]]], empty: int, iterations: int = 5):
    """t(target | source) over the (source ids, target ids) pairs, the source id `empty` standing for the empty
    token that every pair holds. Returns (sources, targets, probabilities): one entry per (source, target) that
    co-occur, t(target | source) summing to one over each source's targets."""
    source_lengths = np.fromiter((len(sources) + 1 for sources, _ in pairs), np.int64, len(pairs))
    target_lengths = np.fromiter((len(targets) for _, targets in pairs), np.int64, len(pairs))
    sources = np.fromiter(chain.from_iterable((*sources, empty) for sources, _ in pairs), np.int64)
    targets = np.fromiter(chain.from_iterable(targets for _, targets in pairs), np.int64)
    if not len(targets):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    # a row for each target token and each source token of its pair: the target token's position in the corpus
    # (its probability is normalised over its row's sources), the target and the source
    pair = np.repeat(np.arange(len(pairs)), target_lengths)  # of each target token
    meets = source_lengths[pair]
    token = np.repeat(np.arange(len(targets)), meets)
    target = targets[token]
    first_row = np.repeat(np.cumsum(meets) - meets, meets)
    source = sources[np.repeat(np.cumsum(source_lengths)[pair] - meets, meets) + np.arange(len(token)) - first_row]
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
