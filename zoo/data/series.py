"""One-step forecasting of a univariate series, and the reader of a series from any CSV column.

The series is cut in time: the model fits on the first rows, is selected on the validation period after them and
is tested on the test period(s) after that. Every period is evaluated one step ahead: the model reads the true
series from its first value up to t-1 and forecasts t. Beside the model, two references that need no learning are
scored on the same targets: persistence (next value = this value) and a linear AR model fitted by least squares.
"""
import csv
import io
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader

from zoo.data.base import ZooDataModule, check_fractions
from zoo.data.batching import ShuffledBatches
from zoo.data.reading import read_text
from zoo.errors import ZooError

# what the model outputs: the next value, or its change from the last value read (which carries the level, so a
# forecast is not bounded by the levels seen in training: the backbone's output passes a LayerNorm)
FORECASTS = ("level", "change")
AR_ORDER = 9  # the classic linear reference for the sunspots (Yule 1927; Tong 1990)
# the largest value a series may hold: the model computes in float32, and the references' float64 squares of such
# values stay finite
LARGEST = float(np.finfo(np.float32).max)


def read_series_csv(path: str, column: str) -> np.ndarray:
    """The values of one column of a CSV file with a header row, in file order. Every cell must hold a finite
    number up to ±LARGEST: a gap in a series is an error naming the file and line, never a row quietly left out."""
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    values = []
    try:
        header = next(reader, None)
        if header is None:
            raise ZooError(f"{path}: empty file, expected a header row naming the columns")
        if column not in header:
            columns = ", ".join(map(repr, header)) or "none (the first line is blank)"
            raise ZooError(f"{path}:1: no column {column!r}; the columns are {columns}")
        index = header.index(column)
        for row in reader:
            # a blank line is an empty cell: in a one-column file it is exactly what a missing value looks like
            cell = row[index].strip() if index < len(row) else ""
            if not cell:
                raise ZooError(f"{path}:{reader.line_num}: column {column!r} is empty")
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            if not abs(value) <= LARGEST:  # also refuses nan
                raise ZooError(f"{path}:{reader.line_num}: column {column!r} holds {cell!r}, not a finite number "
                               f"(up to ±{LARGEST:.3g}, what float32 holds)")
            values.append(value)
    except csv.Error as error:
        raise ZooError(f"{path}:{reader.line_num}: not valid CSV ({error})") from None
    return np.array(values, dtype=np.float64)


@dataclass(frozen=True)
class SeriesSplit:
    """A series cut in time. Periods are ranges of target indices: target t is forecast from values[:t]."""

    values: np.ndarray  # the whole series, in its own units
    source: str  # what the series is, for error messages
    val: range  # the model fits on values[:val.start] and is selected on these targets
    tests: dict[str, range]  # test name -> its targets


def lagged(values: np.ndarray, order: int, targets: range) -> np.ndarray:
    """The AR design matrix: one row [1, x_{t-1}, ..., x_{t-order}] per target t."""
    lags = [values[targets.start - lag:targets.stop - lag] for lag in range(1, order + 1)]
    return np.column_stack([np.ones(len(targets))] + lags)


def fit_autoregression(history: np.ndarray, order: int) -> np.ndarray:
    """Intercept and `order` lag coefficients, by ordinary least squares on every target that has a full past."""
    targets = range(order, len(history))
    coefficients, *_ = np.linalg.lstsq(lagged(history, order, targets), history[order:], rcond=None)
    return coefficients


def rmse(forecast: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.mean((forecast - truth) ** 2)))


class OneStepForecastData(ZooDataModule):
    """Batches of ForecastingTask: {"input": (B, T, 1) scaled values, "target": (B, T, 1) the next scaled value,
    "mask": (B, T) True where a target counts}.

    Training batches are shuffled windows of `window` consecutive training rows. Validation and each test period
    are one sequence from the series' first value: position p reads value p and predicts value p + 1, so a causal
    model forecasts every target from the true history before it; the mask keeps the period's targets only.
    Subclasses say where the series comes from and how it is cut, in `read_split`.
    """

    metric = "val/rmse"
    metric_mode = "min"

    def __init__(self, window: int, batch_size: int, forecast: str):
        super().__init__()
        if window < 1 or batch_size < 1:
            raise ZooError(f"data.window and data.batch_size must be >= 1, got {window}, {batch_size}")
        if forecast not in FORECASTS:
            raise ZooError(f"data.forecast must be one of {', '.join(FORECASTS)}, got {forecast}")
        self.window, self.batch_size, self.forecast = window, batch_size, forecast
        self.split: SeriesSplit | None = None

    def read_split(self) -> SeriesSplit:
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self.split is not None:
            return
        split = self.read_split()
        self._check(split)
        train = split.values[:split.val.start]
        # statistics of the rows the model fits on only: no validation or test value shapes its inputs
        self.mean, self.std = float(train.mean()), float(train.std())
        if self.std == 0:
            raise ZooError(f"{split.source}: the training rows are constant, there is nothing to forecast")
        self.scaled = torch.tensor((split.values - self.mean) / self.std, dtype=torch.float32)
        if not self.scaled.isfinite().all():
            raise ZooError(f"{split.source}: the training rows vary by {self.std:.3g} only: scaled by that, later "
                           f"values overflow float32")
        self.split = split

    def _check(self, split: SeriesSplit) -> None:
        periods = {"validation": split.val, **split.tests}
        empty = [name for name, targets in periods.items() if len(targets) == 0]
        if empty:
            raise ZooError(f"{split.source}: the split leaves no rows for {', '.join(empty)}")
        if split.val.start < self.window + 1:
            raise ZooError(
                f"{split.source}: the split leaves {max(split.val.start, 0)} training rows, too few for windows of "
                f"data.window={self.window} (need {self.window + 1})"
            )
        if split.val.start < 2 * AR_ORDER + 1:
            raise ZooError(
                f"{split.source}: {split.val.start} training rows are too few to fit the AR({AR_ORDER}) "
                f"reference (need {2 * AR_ORDER + 1})"
            )

    def task_arguments(self) -> dict:
        return {"n_features": 1, "n_targets": 1, "scale": self.std}

    def train_dataloader(self):
        windows = self.scaled[:self.split.val.start].unfold(0, self.window + 1, 1)  # (N, window + 1)
        batches = ShuffledBatches(len(windows), self.batch_size, shuffle=True, seed=self.shuffle_seed)
        return self.make_loader(windows, batch_sampler=batches, collate_fn=self._window_batch)

    def _targets(self, values: torch.Tensor) -> torch.Tensor:
        """(..., T + 1) values -> (..., T) what each position is trained to output: the next value, or its change
        from the value just read. Either way a position's error is that of its forecast of the next value."""
        return values[..., 1:] - (values[..., :-1] if self.forecast == "change" else 0)

    def _window_batch(self, windows: list[torch.Tensor]) -> dict:
        stacked = torch.stack(windows)
        return {
            "input": stacked[:, :-1, None],
            "target": self._targets(stacked)[..., None],
            "mask": torch.ones(stacked.shape[0], stacked.shape[1] - 1, dtype=torch.bool),
        }

    def one_step_ahead(self, targets: range) -> dict:
        """One sequence whose positions forecast values 1 .. targets.stop - 1; only `targets` count."""
        history = self.scaled[:targets.stop]
        forecast_index = torch.arange(1, targets.stop)  # the value each position forecasts
        return {
            "input": history[None, :-1, None],
            "target": self._targets(history)[None, :, None],
            "mask": (forecast_index >= targets.start)[None],
        }

    def _evaluation_loader(self, targets: range) -> DataLoader:
        return self.make_loader([self.one_step_ahead(targets)], batch_size=None)  # already a batch of one sequence

    def val_dataloader(self):
        return self._evaluation_loader(self.split.val)

    def test_dataloader(self):
        return [self._evaluation_loader(self.split.tests[name]) for name in self.test_names]

    def baselines(self) -> dict[str, float]:
        """RMSE in the series' units of persistence and of AR(AR_ORDER), on validation and every test period.
        The AR model is fitted on the training span before the period it is scored on: the training rows for
        validation; training and validation rows for a test (the classic protocol: a fit with nothing to tune uses
        all the data before the test)."""
        split, values = self.split, self.split.values
        results = {}
        for name, targets in {"val": split.val, **split.tests}.items():
            coefficients = fit_autoregression(values[:min(targets.start, split.val.stop)], AR_ORDER)
            truth = values[targets.start:targets.stop]
            results[f"{name}/persistence_rmse"] = rmse(values[targets.start - 1:targets.stop - 1], truth)
            results[f"{name}/ar{AR_ORDER}_rmse"] = rmse(lagged(values, AR_ORDER, targets) @ coefficients, truth)
        return results


class SeriesData(OneStepForecastData):
    """One column of a CSV file, cut chronologically: training rows, then validation, then one test period."""

    def __init__(self, path: str, column: str, val_fraction: float, test_fraction: float, window: int,
                 batch_size: int, forecast: str):
        super().__init__(window, batch_size, forecast)
        check_fractions(val_fraction=val_fraction, test_fraction=test_fraction)
        self.path, self.column = path, column
        self.val_fraction, self.test_fraction = val_fraction, test_fraction

    def read_split(self) -> SeriesSplit:
        values = read_series_csv(self.path, self.column)
        n_test, n_val = round(len(values) * self.test_fraction), round(len(values) * self.val_fraction)
        val_start = len(values) - n_test - n_val
        return SeriesSplit(
            values, source=f"{self.path} ({len(values)} rows)",
            val=range(val_start, val_start + n_val), tests={"test": range(val_start + n_val, len(values))},
        )
