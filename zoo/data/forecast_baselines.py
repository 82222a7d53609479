"""The references a forecast is read against, which need no learning: persistence, seasonal naive and a linear
VAR (an AR for one target) fitted by least squares.

`values` is a series of (rows, columns), its `n_targets` forecast columns first and any covariates after them. A
forecast `step` rows ahead of the target rows `targets` is made at the origins `targets - step`, from the rows up
to each origin only.
"""
import math

import numpy as np


def reference_names(n_targets: int, n_covariates: int, season: int | None, order: int) -> tuple[str, ...]:
    """The references' names in metric names: persistence, seasonal_naive where a season is given, and ar9, var2,
    arx9 or varx2 (x: with covariates as exogenous inputs), by the targets and lags of the least-squares fit."""
    fitted = f"{'var' if n_targets > 1 else 'ar'}{'x' if n_covariates else ''}{order}"
    return ("persistence", *(("seasonal_naive",) if season else ()), fitted)


def persistence(values: np.ndarray, n_targets: int, targets: range, step: int) -> np.ndarray:
    """The last value seen at the origin, whatever the step: (len(targets), n_targets)."""
    return values[targets.start - step:targets.stop - step, :n_targets]


def seasonal_reach(step: int, season: int) -> int:
    """How many rows before its target the seasonal naive forecast `step` rows ahead looks: one season, or a whole
    number of seasons where the step reaches past one (the last season the origin has seen, repeated)."""
    return season * math.ceil(step / season)


def seasonal_naive(values: np.ndarray, n_targets: int, targets: range, step: int, season: int) -> np.ndarray:
    """The value one season before the target (seasonal_reach)."""
    back = seasonal_reach(step, season)
    return values[targets.start - back:targets.stop - back, :n_targets]


def lagged(values: np.ndarray, order: int, origins: range) -> np.ndarray:
    """The VAR design matrix: one row [1, z_o, z_(o-1), ..., z_(o-order+1)] per origin o, z_o every column at o."""
    lags = [values[origins.start - lag:origins.stop - lag] for lag in range(order)]
    return np.column_stack([np.ones(len(origins))] + lags)


# The VAR forecasts `step` rows ahead directly: a least-squares fit per step, from the `order` rows up to the origin.
# Iterating a one-step VAR instead would need the covariates' values after the origin, which nothing has seen; the
# direct fit uses what the model reads, as the model does (all steps at once from its state at the origin). For one
# step the two are the same fit.
def fit_direct_var(history: np.ndarray, n_targets: int, order: int, step: int) -> np.ndarray:
    """Intercept and lag coefficients, (1 + order × columns, n_targets), by ordinary least squares on every origin
    of `history` with `order` rows up to it and its target `step` rows after it."""
    origins = range(order - 1, len(history) - step)
    targets = history[origins.start + step:origins.stop + step, :n_targets]
    coefficients, *_ = np.linalg.lstsq(lagged(history, order, origins), targets, rcond=None)
    return coefficients


def reference_forecasts(values: np.ndarray, n_targets: int, fit_rows: int, targets: range, horizon: int,
                        season: int | None, order: int) -> dict[str, np.ndarray]:
    """Every reference's forecasts of the target rows at each step 1..horizon: name -> (horizon, len(targets),
    n_targets). The VAR is fitted on values[:fit_rows]."""
    n_covariates = values.shape[1] - n_targets
    persistent, seasonal, fitted = [], [], []
    for step in range(1, horizon + 1):
        persistent.append(persistence(values, n_targets, targets, step))
        if season:
            seasonal.append(seasonal_naive(values, n_targets, targets, step, season))
        coefficients = fit_direct_var(values[:fit_rows], n_targets, order, step)
        fitted.append(lagged(values, order, range(targets.start - step, targets.stop - step)) @ coefficients)
    forecasts = [persistent, *([seasonal] if season else []), fitted]
    names = reference_names(n_targets, n_covariates, season, order)
    return {name: np.stack(steps) for name, steps in zip(names, forecasts)}


def fit_rows_needed(n_columns: int, order: int, horizon: int) -> int:
    """The fewest rows a direct VAR fit of every step needs: as many origins as coefficients per target."""
    return order * (n_columns + 1) + horizon
