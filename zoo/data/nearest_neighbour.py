"""1-nearest-neighbour classification of sequences, the reference every time series classifier is read against
(Bagnall et al., "The great time series classification bake off", 2017): with dynamic time warping where the data
are small enough for it, with the Euclidean distance otherwise.

DTW here is dependent DTW (DTW_D, Shokoohi-Yekta et al. 2017): one warping path for all channels, the local cost
of a pair of steps their squared Euclidean distance across channels; the warping window is the full length.
"""
import numpy as np

# DTW's work, counted in channel-cells: each pair of steps of every (test, training) pair is one cell per channel,
# and each anti-diagonal's dozen numpy calls cost about as much as 3,000 of them (40 us). GunPoint's split (3.0e8 in
# all) and JapaneseVowels' (3.3e8) take a few seconds on one core (docs/results.md); up to 5e8, about 10 s, DTW;
# past it, Euclidean
DTW_BUDGET = 5e8
DIAGONAL_CELLS = 3000
QUERY_CHUNK = 256  # test sequences compared at once by the Euclidean distance: a (256, training set) matrix


def dtw_distances(query: np.ndarray, references: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The DTW distance of a (n, channels) query to each of the (R, m, channels) references, each zero-padded
    after its real `lengths[r]` steps. Cells on one anti-diagonal (i + j = k) depend only on the two diagonals
    before it, so each diagonal is computed at once for every reference; the padding never reaches a reference's
    last real cell, which depends on cells of no later step."""
    n, m = len(query), references.shape[1]
    # diagonals as (R, n + 1) arrays indexed by the row i + 1; index 0 stands for row -1, infinitely far
    before_last = np.full((len(references), n + 1), np.inf)
    before_last[:, 0] = 0.0  # the cell (-1, -1) the warping path starts from
    last = np.full((len(references), n + 1), np.inf)
    ends = n - 1 + lengths - 1  # the diagonal of each reference's last cell (n - 1, length - 1)
    distances = np.empty(len(references))
    for diagonal in range(n + m - 1):
        rows = np.arange(max(0, diagonal - m + 1), min(n, diagonal + 1))
        columns = diagonal - rows
        cost = ((query[rows] - references[:, columns]) ** 2).sum(-1)
        # D[i, j] = cost + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
        cumulative = np.full_like(last, np.inf)
        cumulative[:, rows + 1] = cost + np.minimum(np.minimum(last[:, rows], last[:, rows + 1]), before_last[:, rows])
        finished = ends == diagonal
        distances[finished] = cumulative[finished, n]
        before_last, last = last, cumulative
    return distances


def padded(sequences: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(R, longest, channels) zero-padded sequences and their lengths."""
    lengths = np.array([len(sequence) for sequence in sequences])
    stacked = np.zeros((len(sequences), lengths.max(), sequences[0].shape[1]))
    for row, sequence in enumerate(sequences):
        stacked[row, :len(sequence)] = sequence
    return stacked, lengths


def resampled(sequence: np.ndarray, length: int) -> np.ndarray:
    """The sequence linearly interpolated to `length` steps spread over its whole duration (itself, where it has
    that many already)."""
    steps = np.linspace(0, len(sequence) - 1, length)
    return np.stack([np.interp(steps, np.arange(len(sequence)), channel) for channel in sequence.T], axis=1)


def nearest_neighbour_error(train: list[np.ndarray], train_labels: np.ndarray, test: list[np.ndarray],
                            test_labels: np.ndarray) -> dict[str, float]:
    """The test error of labelling each test sequence as its nearest training sequence (the first of equals):
    {"test/nn1_dtw_error": ...} within DTW_BUDGET, else {"test/nn1_euclidean_error": ...}.

    For the Euclidean distance every sequence is resampled to the longest length first: the whole of a short
    recording is then compared with the whole of a long one, as DTW compares them, where zero padding would
    compare a short recording's end with the middle of a long one."""
    longest_train, channels = max(map(len, train)), train[0].shape[1]
    cells = sum(map(len, test)) * sum(map(len, train))
    diagonals = sum(len(sequence) + longest_train - 1 for sequence in test)
    if cells * channels + DIAGONAL_CELLS * diagonals <= DTW_BUDGET:
        references, lengths = padded(train)
        nearest = [np.argmin(dtw_distances(query, references, lengths)) for query in test]
        name = "test/nn1_dtw_error"
    else:
        longest = max(map(len, train + test))
        references = np.stack([resampled(sequence, longest) for sequence in train]).reshape(len(train), -1)
        queries = np.stack([resampled(sequence, longest) for sequence in test]).reshape(len(test), -1)
        # |q - r|^2 = |q|^2 - 2 q.r + |r|^2, where |q|^2 is the same for every r and does not change the nearest
        norms = (references ** 2).sum(1)
        nearest = np.concatenate([np.argmin(norms - 2 * queries[start:start + QUERY_CHUNK] @ references.T, axis=1)
                                  for start in range(0, len(queries), QUERY_CHUNK)])
        name = "test/nn1_euclidean_error"
    return {name: float(np.mean(np.asarray(train_labels)[nearest] != np.asarray(test_labels)))}
