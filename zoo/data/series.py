"""Forecasting a series from its past: one or several columns of a CSV file (data=series), the sunspots
(data=sunspots, zoo/data/sunspots.py).

The series is cut in time: the model fits on the first rows, is selected on the validation period after them and
is tested on the test period(s) after that. At every row (the origin) the model has read the true series up to it,
targets and covariates, and forecasts the targets 1..horizon rows later, all steps at once. A period's figure at
step h covers each of its rows, forecast from the origin h rows before it. Beside the model, the references of
zoo/data/forecast_baselines.py are scored on the same rows.
"""
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader

from zoo.data.base import ZooDataModule, check_fractions
from zoo.data.batching import ShuffledBatches
from zoo.data.forecast_baselines import fit_rows_needed, reference_forecasts, reference_names, seasonal_reach
from zoo.data.series_csv import read_series_csv
from zoo.errors import ZooError

# what the model outputs: the coming values, or their change from the last value read (which carries the level, so
# a forecast is not bounded by the levels seen in training: the backbone's output passes a LayerNorm)
FORECASTS = ("level", "change")


@dataclass(frozen=True)
class SeriesSplit:
    """A series cut in time. Periods are ranges of target rows: row t is forecast from values[:t - step + 1]."""

    values: np.ndarray  # (rows, columns): the targets, then the covariates, each in its own units
    targets: tuple[str, ...]  # the names of the first columns, those forecast
    source: str  # what the series is, for error messages
    val: range  # the model fits on values[:val.start] and is selected on these targets
    tests: dict[str, range]  # test name -> its targets
    covariates: tuple[str, ...] = ()  # the names of the columns after the targets, read as inputs only


def rmse(forecast: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.mean((forecast - truth) ** 2)))


def mae(forecast: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean(np.abs(forecast - truth)))


class ForecastData(ZooDataModule):
    """Batches of ForecastingTask: {"input": (B, T, columns) scaled values, "target": (B, T, horizon × targets)
    the scaled targets 1..horizon rows later, step by step, "mask": (B, T, horizon) True where a forecast counts}.

    Training batches are shuffled windows of `window` consecutive training rows (and the `horizon` rows their
    targets reach). Validation and each test period are one sequence from the series' first row: position p reads
    row p and forecasts rows p + 1 .. p + horizon, so a causal model forecasts every target from the true history
    before it; the mask keeps the period's rows only. Subclasses say where the series comes from and how it is cut,
    in `read_split`.
    """

    metric = "val/rmse"
    metric_mode = "min"

    def __init__(self, window: int, batch_size: int, forecast: str, horizon: int, season: int | None,
                 ar_order: int):
        super().__init__()
        if window < 1 or batch_size < 1:
            raise ZooError(f"data.window and data.batch_size must be >= 1, got {window}, {batch_size}")
        if forecast not in FORECASTS:
            raise ZooError(f"data.forecast must be one of {', '.join(FORECASTS)}, got {forecast}")
        if horizon < 1:
            raise ZooError(f"data.horizon must be >= 1 (the steps forecast at once), got {horizon}")
        if season is not None and season < 2:
            raise ZooError(f"data.season must be null (no seasonal naive reference) or >= 2 rows, got {season}")
        if ar_order < 1:
            raise ZooError(f"data.ar_order must be >= 1 (the lags of the least-squares reference), got {ar_order}")
        self.window, self.batch_size, self.forecast = window, batch_size, forecast
        self.horizon, self.season, self.ar_order = horizon, season, ar_order
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
        self.mean, self.std = train.mean(0), train.std(0)
        if not self.std.all():
            raise ZooError(f"{split.source}: the training rows are constant{self._in_column(split, self.std == 0)},"
                           f" there is nothing to learn from them")
        self.scaled = torch.tensor((split.values - self.mean) / self.std, dtype=torch.float32)
        overflowing = ~self.scaled.isfinite().all(0).numpy()
        if overflowing.any():
            raise ZooError(f"{split.source}: the training rows vary by {self.std[overflowing][0]:.3g} only"
                           f"{self._in_column(split, overflowing)}: scaled by that, later values overflow float32")
        self.split = split

    @staticmethod
    def _in_column(split: SeriesSplit, which: np.ndarray) -> str:
        """Where a column is to blame, and the series has several: which one."""
        names = split.targets + split.covariates
        return f" in column {names[int(which.argmax())]!r}" if len(names) > 1 else ""

    def _check(self, split: SeriesSplit) -> None:
        periods = {"validation": split.val, **split.tests}
        empty = [name for name, targets in periods.items() if len(targets) == 0]
        if empty:
            raise ZooError(f"{split.source}: the split leaves no rows for {', '.join(empty)}")
        training_rows, columns = split.val.start, split.values.shape[1]
        if training_rows < self.window + self.horizon:
            raise ZooError(
                f"{split.source}: the split leaves {max(training_rows, 0)} training rows, too few for windows of "
                f"data.window={self.window} and their data.horizon={self.horizon} targets "
                f"(need {self.window + self.horizon})"
            )
        needed = fit_rows_needed(columns, self.ar_order, self.horizon)
        if training_rows < needed:
            fitted = reference_names(len(split.targets), columns - len(split.targets), None, self.ar_order)[-1]
            raise ZooError(f"{split.source}: {training_rows} training rows are too few to fit the {fitted} "
                           f"reference (need {needed}; data.ar_order sets its lags)")
        if self.season and training_rows < seasonal_reach(self.horizon, self.season):
            raise ZooError(f"{split.source}: data.season={self.season} reaches back past the first of the "
                           f"{training_rows} training rows")

    @property
    def n_targets(self) -> int:
        return len(self.split.targets)

    @property
    def several_outputs(self) -> bool:
        """Whether each target and step is scored on its own too, beside the aggregate."""
        return self.n_targets * self.horizon > 1

    @property
    def aggregate_scale(self) -> float:
        """The unit of the aggregate figures (<period>/rmse): a single target's own; with several targets, each
        target's standard deviation over the training rows, so that columns in different units weigh alike."""
        return float(self.std[0]) if self.n_targets == 1 else 1.0

    def task_arguments(self) -> dict:
        target_scales = dict(zip(self.split.targets, map(float, self.std))) if self.several_outputs else {}
        return {"n_features": self.split.values.shape[1], "n_targets": self.n_targets, "horizon": self.horizon,
                "scale": self.aggregate_scale, "target_scales": target_scales}

    def train_dataloader(self):
        span = self.window + self.horizon
        windows = self.scaled[:self.split.val.start].unfold(0, span, 1).transpose(1, 2)  # (N, span, columns)
        batches = ShuffledBatches(len(windows), self.batch_size, shuffle=True, seed=self.shuffle_seed)
        return self.make_loader(windows, batch_sampler=batches, collate_fn=self._window_batch)

    def _targets(self, rows: torch.Tensor) -> torch.Tensor:
        """(..., T + horizon, columns) rows -> (..., T, horizon × targets) what each position is trained to output:
        the targets 1..horizon rows later, or their change from the row just read. Either way a position's error is
        that of its forecast of those values."""
        length, n_targets = rows.shape[-2] - self.horizon, self.n_targets
        origin = rows[..., :length, :n_targets]
        steps = [rows[..., step:step + length, :n_targets] - (origin if self.forecast == "change" else 0)
                 for step in range(1, self.horizon + 1)]
        return torch.cat(steps, dim=-1)

    def _window_batch(self, windows: list[torch.Tensor]) -> dict:
        stacked = torch.stack(windows)
        return {
            "input": stacked[:, :self.window],
            "target": self._targets(stacked),
            "mask": torch.ones(stacked.shape[0], self.window, self.horizon, dtype=torch.bool),
        }

    def period_batch(self, targets: range) -> dict:
        """One sequence whose position p reads row p and forecasts rows p + 1 .. p + horizon, for p up to
        targets.stop - 2; only forecasts of the rows in `targets` count."""
        history = self.scaled[:targets.stop]
        # the rows past the period that the last positions would forecast: never counted, so zeros stand in
        padded = torch.cat([history, history.new_zeros(self.horizon - 1, history.shape[1])])
        forecast_rows = torch.arange(1, targets.stop)[:, None] + torch.arange(self.horizon)  # (T, horizon)
        return {
            "input": history[None, :-1],
            "target": self._targets(padded)[None],
            "mask": ((forecast_rows >= targets.start) & (forecast_rows < targets.stop))[None],
        }

    def _evaluation_loader(self, targets: range) -> DataLoader:
        return self.make_loader([self.period_batch(targets)], batch_size=None)  # already a batch of one sequence

    def val_dataloader(self):
        return self._evaluation_loader(self.split.val)

    def test_dataloader(self):
        return [self._evaluation_loader(self.split.tests[name]) for name in self.test_names]

    def baselines(self) -> dict[str, float]:
        """The references' RMSE on validation and every test period, as the model's figures are: the aggregate
        over targets and steps (<period>/<reference>_rmse, in the aggregate's unit) and, with several outputs, the
        RMSE and MAE of each target at each step in its own units (<period>/<target>/h<step>/<reference>_rmse).
        The VAR is fitted on the span before the period it is scored on: the training rows for validation;
        training and validation rows for a test (the classic protocol: a fit with nothing to tune uses all the
        data before the test)."""
        split, targets = self.split, self.split.targets
        # each target's squared errors in the aggregate's unit: exactly 1 for a single target
        weights = (self.aggregate_scale / self.std[:self.n_targets]) ** 2
        results = {}
        for name, period in {"val": split.val, **split.tests}.items():
            truth = split.values[period.start:period.stop, :self.n_targets]
            forecasts = reference_forecasts(split.values, self.n_targets, min(period.start, split.val.stop), period,
                                            self.horizon, self.season, self.ar_order)
            for reference, forecast in forecasts.items():  # (horizon, rows, targets)
                per_target = ((forecast - truth) ** 2).mean(axis=(0, 1))
                results[f"{name}/{reference}_rmse"] = float(np.sqrt(np.mean(per_target * weights)))
                if not self.several_outputs:
                    continue
                for step in range(self.horizon):
                    for column, target in enumerate(targets):
                        output = f"{name}/{target}/h{step + 1}/{reference}"
                        results[f"{output}_rmse"] = rmse(forecast[step, :, column], truth[:, column])
                        results[f"{output}_mae"] = mae(forecast[step, :, column], truth[:, column])
        return results


def column_names(knob: str, value) -> tuple[str, ...]:
    """The columns a knob names: one (data.column=level) or a list (data.column=[a,b]); Hydra reads a name that
    looks like a number (data.column=2020) as one."""
    names = [value] if isinstance(value, (str, int, float)) else list(value or [])
    named = tuple(map(str, names))
    twice = [name for index, name in enumerate(named) if name in named[:index]]
    if twice:
        raise ZooError(f"{knob} names the column {twice[0]!r} twice")
    return named


class SeriesData(ForecastData):
    """Columns of a CSV file, cut chronologically: training rows, then validation, then one test period."""

    def __init__(self, path: str, column: str | list, covariates: str | list, horizon: int, season: int | None,
                 ar_order: int, val_fraction: float, test_fraction: float, window: int, batch_size: int,
                 forecast: str):
        super().__init__(window, batch_size, forecast, horizon, season, ar_order)
        check_fractions(val_fraction=val_fraction, test_fraction=test_fraction)
        self.path, self.targets = path, column_names("data.column", column)
        self.covariates = column_names("data.covariates", covariates)
        if not self.targets:
            raise ZooError("data.column must name the column to forecast, or a list of them; it names none")
        both = [name for name in self.covariates if name in self.targets]
        if both:
            raise ZooError(f"data.covariates: {both[0]!r} is in data.column too; a column is forecast or read as "
                           f"an input only, not both")
        self.val_fraction, self.test_fraction = val_fraction, test_fraction

    def read_split(self) -> SeriesSplit:
        values = read_series_csv(self.path, self.targets + self.covariates)
        n_test, n_val = round(len(values) * self.test_fraction), round(len(values) * self.val_fraction)
        val_start = len(values) - n_test - n_val
        return SeriesSplit(
            values, self.targets, source=f"{self.path} ({len(values)} rows)",
            val=range(val_start, val_start + n_val), tests={"test": range(val_start + n_val, len(values))},
            covariates=self.covariates,
        )
