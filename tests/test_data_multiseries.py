"""Forecasting several columns of a CSV file several steps ahead: the reader, scaling, the targets of each step,
the references, the knobs' refusals, and a run's figures per target and step."""
import json
import math

import numpy as np
import pytest
import torch

from zoo.data.forecast_baselines import fit_direct_var, persistence, reference_forecasts, seasonal_naive
from zoo.data.series import SeriesData
from zoo.data.series_csv import read_series_csv
from zoo.errors import ZooError
from zoo.run.job import run

ROWS = 60


def macro_like(rows: int = ROWS) -> np.ndarray:
    """Columns a, b (trending, with a cycle of 4 rows) and c (a covariate), every value distinct."""
    t = np.arange(rows, dtype=float)
    return np.column_stack([100 + 2 * t + 5 * np.sin(t * math.pi / 2), 50 + t + 3 * np.cos(t * math.pi / 2),
                            np.sin(t / 3) + t / 100])


def write_csv(tmp_path, values: np.ndarray, names=("a", "b", "c"), name="series.csv") -> str:
    path = tmp_path / name
    rows = "".join(f"{index},{','.join(repr(float(value)) for value in row)}\n" for index, row in enumerate(values))
    path.write_text("t," + ",".join(names) + "\n" + rows)
    return str(path)


def multiseries(path: str, **options) -> SeriesData:
    data = SeriesData(**{"path": path, "column": ["a", "b"], "covariates": ["c"], "val_fraction": 0.2,
                         "test_fraction": 0.2, "window": 4, "ar_order": 1, **options})
    data.setup()
    return data


def test_the_reader_returns_the_columns_in_the_order_named(tmp_path):
    values = macro_like()
    path = write_csv(tmp_path, values)
    assert np.array_equal(read_series_csv(path, ["c", "a"]), values[:, [2, 0]])
    data = multiseries(path)
    assert np.array_equal(data.split.values, values)
    assert (data.split.targets, data.split.covariates) == (("a", "b"), ("c",))


@pytest.mark.parametrize("text, complaint", [
    ("t,a,b\n0,1,2\n", r":1: no column 'c'; the columns are 't', 'a', 'b'"),
    ("t,a,b,c\n0,1,2,3\n1,1,x,3\n", r":3: column 'b' holds 'x', not a finite number"),
    ("t,a,b,c\n0,1,2,3\n1,1,2,\n", r":3: column 'c' is empty"),
])
def test_a_bad_cell_or_a_missing_column_names_file_and_line(tmp_path, text, complaint):
    path = tmp_path / "series.csv"
    path.write_text(text)
    with pytest.raises(ZooError, match=str(path).replace(".", r"\.") + complaint):
        multiseries(str(path))


def test_each_column_is_scaled_by_its_training_rows_alone(tmp_path):
    values = macro_like()
    data = multiseries(write_csv(tmp_path, values))
    train = values[:data.split.val.start]
    assert data.split.val.start == 36
    assert np.allclose(data.mean, train.mean(0)) and np.allclose(data.std, train.std(0))
    assert torch.allclose(data.scaled[:36].mean(0), torch.zeros(3), atol=1e-5)
    changed = values.copy()
    changed[36:] *= 10  # validation and test rows, all columns
    other = multiseries(write_csv(tmp_path, changed, name="changed.csv"))
    assert np.array_equal(other.mean, data.mean) and np.array_equal(other.std, data.std)
    assert torch.equal(other.scaled[:36], data.scaled[:36])
    assert other.task_arguments() == {"n_features": 3, "n_targets": 2, "horizon": 1, "scale": 1.0,
                                      "target_scales": {"a": data.std[0], "b": data.std[1]}}


def indexed(tmp_path, **options) -> SeriesData:
    """A two-target, one-covariate series whose scaled values are replaced by row + 100 × column, so that batches
    show which row and column they hold."""
    data = multiseries(write_csv(tmp_path, macro_like()), **options)
    data.scaled = torch.arange(ROWS, dtype=torch.float32)[:, None] + torch.tensor([0.0, 100.0, 200.0])
    return data


def test_training_windows_hold_the_targets_of_every_step_within_the_training_rows(tmp_path):
    data = indexed(tmp_path, horizon=3)
    batches = list(data.train_dataloader())
    inputs = torch.cat([batch["input"] for batch in batches])  # (N, window, columns)
    targets = torch.cat([batch["target"] for batch in batches])  # (N, window, steps x targets)
    assert inputs.shape == (36 - 4 - 3 + 1, 4, 3) and targets.shape == (30, 4, 6)
    rows = inputs[..., 0]
    # step by step, the targets a and b 1, 2, 3 rows after the row read
    expected = torch.stack([rows + 1, rows + 101, rows + 2, rows + 102, rows + 3, rows + 103], dim=-1)
    assert torch.equal(targets, expected)
    assert int(targets[..., 0::2].max()) == 35  # the last training row
    assert all(batch["mask"].shape == (len(batch["input"]), 4, 3) and batch["mask"].all() for batch in batches)


@pytest.mark.parametrize("forecast", ["level", "change"])
def test_every_step_of_a_period_is_scored_on_the_periods_rows_from_the_origin_that_many_rows_before(
        tmp_path, forecast):
    data = indexed(tmp_path, horizon=3, forecast=forecast)
    for period, loader in [(data.split.val, data.val_dataloader()), (data.split.tests["test"],
                                                                      data.test_dataloader()[0])]:
        batch = next(iter(loader))
        assert batch["input"].shape == (1, period.stop - 1, 3) and batch["target"].shape == (1, period.stop - 1, 6)
        for step in (1, 2, 3):
            counts = batch["mask"][0, :, step - 1]
            origins = batch["input"][0, counts, 0]
            assert origins.tolist() == list(range(period.start - step, period.stop - step))
            for target in (0, 1):
                forecast_values = batch["target"][0, counts, (step - 1) * 2 + target]
                truth = torch.arange(period.start, period.stop) + 100.0 * target
                assert torch.equal(forecast_values, truth if forecast == "level" else truth - origins - 100 * target)


def test_persistence_and_seasonal_naive_look_back_as_far_as_the_origin_allows():
    values = np.arange(40, dtype=float)[:, None] * np.array([1.0, 10.0, -1.0])
    targets = range(20, 23)
    assert persistence(values, 2, targets, step=3).tolist() == [[17, 170], [18, 180], [19, 190]]
    assert seasonal_naive(values, 2, targets, step=1, season=4)[:, 0].tolist() == [16, 17, 18]
    assert seasonal_naive(values, 2, targets, step=4, season=4)[:, 0].tolist() == [16, 17, 18]
    # five rows ahead reaches past one season: the value two seasons before, the last the origin has seen
    assert seasonal_naive(values, 2, targets, step=5, season=4)[:, 0].tolist() == [12, 13, 14]


def known_var1(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y_t = c + A y_(t-1) + noise, two columns."""
    intercept, transition = np.array([1.0, -0.5]), np.array([[0.6, 0.2], [-0.3, 0.5]])
    noise = np.random.default_rng(seed).normal(scale=0.1, size=(rows, 2))
    values = np.zeros((rows, 2))
    for t in range(1, rows):
        values[t] = intercept + transition @ values[t - 1] + noise[t]
    return values, intercept, transition


def test_a_var_fitted_on_a_known_var1_recovers_it_and_its_two_step_map():
    values, intercept, transition = known_var1(4000)
    one_step = fit_direct_var(values, 2, order=1, step=1)
    assert one_step.shape == (3, 2)
    assert np.allclose(one_step[0], intercept, atol=0.05) and np.allclose(one_step[1:].T, transition, atol=0.02)
    # direct two steps: y_(t+2) = (I + A) c + A^2 y_t + noise
    two_steps = fit_direct_var(values, 2, order=1, step=2)
    assert np.allclose(two_steps[0], (np.eye(2) + transition) @ intercept, atol=0.05)
    assert np.allclose(two_steps[1:].T, transition @ transition, atol=0.02)


def test_a_covariate_enters_the_fit_as_an_input_only():
    rng = np.random.default_rng(1)
    covariate = rng.normal(size=3000)
    target = np.zeros(3000)
    for t in range(1, 3000):
        target[t] = 0.5 * target[t - 1] + 0.8 * covariate[t - 1] + 0.05 * rng.normal()
    coefficients = fit_direct_var(np.column_stack([target, covariate]), 1, order=1, step=1)
    assert coefficients.shape == (3, 1)
    assert np.allclose(coefficients[:, 0], [0.0, 0.5, 0.8], atol=0.02)
    forecasts = reference_forecasts(np.column_stack([target, covariate]), n_targets=1, fit_rows=2000,
                                    targets=range(2000, 2100), horizon=2, season=12, order=1)
    assert list(forecasts) == ["persistence", "seasonal_naive", "arx1"]
    assert all(forecast.shape == (2, 100, 1) for forecast in forecasts.values())


def test_the_baselines_are_each_targets_and_steps_errors_and_their_aggregate_weighs_targets_alike(tmp_path):
    values = macro_like()
    data = multiseries(write_csv(tmp_path, values), horizon=2, season=4)
    baselines = data.baselines()
    test, std = data.split.tests["test"], values[:36].std(0)
    truth = values[test.start:test.stop, :2]
    by_hand = {"persistence": [values[test.start - step:test.stop - step, :2] for step in (1, 2)],
               "seasonal_naive": [values[test.start - 4:test.stop - 4, :2]] * 2}
    for reference, forecasts in by_hand.items():
        for step, forecast in enumerate(forecasts, 1):
            for column, target in enumerate("ab"):
                errors = forecast[:, column] - truth[:, column]
                prefix = f"test/{target}/h{step}/{reference}"
                assert baselines[f"{prefix}_rmse"] == pytest.approx(np.sqrt(np.mean(errors ** 2)))
                assert baselines[f"{prefix}_mae"] == pytest.approx(np.mean(np.abs(errors)))
        standardised = [(forecast - truth) / std[:2] for forecast in forecasts]
        assert baselines[f"test/{reference}_rmse"] == pytest.approx(np.sqrt(np.mean(np.square(standardised))))
    names = {name.rsplit("/", 1)[-1] for name in baselines}
    assert names == {f"{reference}_{error}" for reference in ("persistence", "seasonal_naive", "varx1")
                     for error in ("rmse", "mae")}


@pytest.mark.parametrize("options, complaint", [
    ({"horizon": 0}, r"data\.horizon must be >= 1 \(the steps forecast at once\), got 0"),
    ({"season": 1}, r"data\.season must be null \(no seasonal naive reference\) or >= 2 rows, got 1"),
    ({"ar_order": 0}, r"data\.ar_order must be >= 1"),
    ({"covariates": ["b"]}, r"data\.covariates: 'b' is in data\.column too"),
    ({"column": []}, r"data\.column must name the column to forecast, or a list of them; it names none"),
    ({"column": ["a", "a"]}, r"data\.column names the column 'a' twice"),
])
def test_knob_values_that_cannot_work_are_one_line_errors(options, complaint):
    with pytest.raises(ZooError, match=complaint):
        SeriesData(**{"path": "unread.csv", "column": ["a", "b"], **options})


def test_a_split_too_short_for_the_var_or_the_season_is_refused(tmp_path):
    path = write_csv(tmp_path, macro_like())
    with pytest.raises(ZooError, match=r"36 training rows are too few to fit the varx9 reference \(need 40;"):
        multiseries(path, ar_order=9, horizon=4)
    with pytest.raises(ZooError, match=r"data\.season=40 reaches back past the first of the 36 training rows"):
        multiseries(path, season=40)


def summary_of_run(compose_in, tmp_path, *overrides) -> dict:
    cfg = compose_in("model=gru", "data=series", "debug=default", "logger=none", "++trainer.fast_dev_run=true",
                     *overrides)
    run(cfg)
    return json.loads((tmp_path / "summary.json").read_text())


def test_a_run_reports_each_target_and_step_beside_each_reference(compose_in, tmp_path):
    values = macro_like(300)
    path = write_csv(tmp_path, values)
    summary = summary_of_run(compose_in, tmp_path, f"data.path={path}", "data.column=[a,b]", "data.covariates=[c]",
                             "data.horizon=4", "data.season=4")
    metrics = summary["metrics"]
    assert summary["status"] == "completed" and summary["objective"]["name"] == "val/rmse"
    for split in ("val", "test"):
        for target in "ab":
            for step in range(1, 5):
                for error in ("rmse", "mae"):
                    assert metrics[f"{split}/{target}/h{step}/{error}"] >= 0
                    for reference in ("persistence", "seasonal_naive", "varx9"):
                        assert f"baseline/{split}/{target}/h{step}/{reference}_{error}" in metrics
        for reference in ("persistence", "seasonal_naive", "varx9"):
            assert f"baseline/{split}/{reference}_rmse" in metrics
    # the aggregate: every target and step alike, each in its training rows' standard deviations
    std = values[:210].std(0)
    standardised = [(metrics[f"test/{target}/h{step}/rmse"] / std[column]) ** 2
                    for column, target in enumerate("ab") for step in range(1, 5)]
    assert metrics["test/rmse"] == pytest.approx(math.sqrt(np.mean(standardised)), rel=1e-4)


# a one-column, one-step run's figures (fast_dev_run keeps no best checkpoint: no best/val/rmse)
ONE_COLUMN_NAMES = {"train/loss", "val/loss", "val/mse", "val/rmse", "test/loss", "test/mse", "test/rmse",
                    "baseline/val/persistence_rmse", "baseline/val/ar9_rmse", "baseline/test/persistence_rmse",
                    "baseline/test/ar9_rmse"}


@pytest.mark.parametrize("column", ["level", "[level]"])
def test_one_column_one_step_ahead_reports_the_figures_it_always_has(compose_in, tmp_path, column):
    path = write_csv(tmp_path, macro_like(300)[:, :1], names=("level",))
    metrics = summary_of_run(compose_in, tmp_path, f"data.path={path}", f"data.column={column}")["metrics"]
    assert set(metrics) == ONE_COLUMN_NAMES


def test_one_target_several_steps_ahead_has_its_aggregate_in_the_targets_own_units(compose_in, tmp_path):
    path = write_csv(tmp_path, macro_like(300)[:, :1], names=("level",))
    metrics = summary_of_run(compose_in, tmp_path, f"data.path={path}", "data.column=level", "data.horizon=2",
                             "data.ar_order=3")["metrics"]
    steps = [metrics[f"test/level/h{step}/rmse"] ** 2 for step in (1, 2)]
    assert metrics["test/rmse"] == pytest.approx(math.sqrt(np.mean(steps)), rel=1e-4)
    assert {"baseline/test/ar3_rmse", "baseline/test/level/h2/ar3_mae"} <= set(metrics)
