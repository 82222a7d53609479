"""One-step forecasting data: the classic sunspot split, its references, no leakage, the CSV reader, learning."""
import dataclasses
import itertools
import math

import numpy as np
import pytest
import torch
from statsmodels.tsa.ar_model import AutoReg

from zoo.data.series import SeriesData
from zoo.data.series_csv import read_series_csv
from zoo.data.sunspots import SunspotsData
from zoo.errors import ZooError
from zoo.tasks.forecasting import ForecastingTask

FIRST_YEAR = 1700


CLASSIC = {"val_years": 20}  # validation on 1901-1920: the years these tests spell out


@pytest.fixture(scope="module")
def sunspots():
    data = SunspotsData(**CLASSIC)
    data.setup()
    return data


def years(targets: range) -> tuple[int, int]:
    return FIRST_YEAR + targets.start, FIRST_YEAR + targets.stop - 1


def forecast_indices(batch) -> list[int]:
    """The series index of every target that counts, for a batch of one target one step ahead built from a series
    of its own indices."""
    return batch["target"][batch["mask"]].long().tolist()


def indexed_sunspots(**options) -> SunspotsData:
    """Sunspots whose scaled series is replaced by each value's own index, so that batches show which values
    they hold."""
    data = SunspotsData(**{**CLASSIC, **options})
    data.setup()
    data.scaled = torch.arange(len(data.split.values), dtype=torch.float32)[:, None]
    return data


def test_sunspots_split_is_the_classic_one(sunspots):
    split = sunspots.split
    assert FIRST_YEAR + split.val.start == 1901  # training years 1700..1900
    assert years(split.val) == (1901, 1920)
    assert sunspots.test_names == ("test_1921_1955", "test_1956_1979")
    assert [years(split.tests[name]) for name in sunspots.test_names] == [(1921, 1955), (1956, 1979)]
    data = indexed_sunspots()
    loaders = [data.val_dataloader(), *data.test_dataloader()]
    counted = [[FIRST_YEAR + index for index in forecast_indices(next(iter(loader)))] for loader in loaders]
    assert counted == [list(range(1901, 1921)), list(range(1921, 1956)), list(range(1956, 1980))]


def test_training_windows_stay_in_the_training_years():
    data = indexed_sunspots(window=32)
    batches = list(data.train_dataloader())
    inputs = torch.cat([batch["input"][..., 0] for batch in batches])
    targets = torch.cat([batch["target"][..., 0] for batch in batches])
    assert inputs.shape == (201 - 32, 32)  # every window of 32 inputs and 32 targets within 201 training years
    assert torch.equal(targets, inputs + 1)
    assert FIRST_YEAR + int(targets.max()) == 1900
    assert all(batch["mask"].all() for batch in batches)


def test_one_step_ahead_batches_never_show_a_target_in_its_own_input():
    data = indexed_sunspots()
    for loader in [data.val_dataloader(), *data.test_dataloader()]:
        batch = next(iter(loader))
        inputs, targets = batch["input"][0, :, 0], batch["target"][0, :, 0]
        # position p reads values 0..p (causally) and is scored against value p + 1
        assert torch.equal(inputs, torch.arange(len(inputs), dtype=torch.float32))
        assert torch.equal(targets, inputs + 1)


@pytest.mark.parametrize("backbone", ["zoo.models.ar.AR", "zoo.models.gru.GRU"])
def test_one_sequence_equals_forecasting_each_year_from_its_history(sunspots, backbone):
    torch.manual_seed(0)
    model = {"_target_": backbone, "d_model": 16, "n_layers": 2, "n_heads": 2, "dropout": 0.0}
    task = ForecastingTask(model=model, optim={}, **sunspots.task_arguments()).eval()
    batch = sunspots.period_batch(sunspots.split.tests["test_1921_1955"])
    with torch.no_grad():
        forecasts = task(batch["input"])[0, :, 0]
    for target in (1921 - FIRST_YEAR, 1940 - FIRST_YEAR, 1955 - FIRST_YEAR):
        history = sunspots.scaled[None, :target]  # the true series from 1700 up to the year before
        assert forecasts[target - 1].item() == pytest.approx(task.predict_next(history).item(), abs=1e-5)


def test_scaling_uses_the_training_years_only(sunspots):
    values = sunspots.split.values[:, 0]
    assert sunspots.mean.tolist() == [pytest.approx(values[:201].mean())]
    assert sunspots.std.tolist() == [pytest.approx(values[:201].std())]
    assert sunspots.task_arguments() == {"n_features": 1, "n_targets": 1, "horizon": 1, "scale": sunspots.std[0],
                                         "target_scales": {}}

    class ValidationAndTestTenfold(SunspotsData):
        def read_split(self):
            split = super().read_split()
            values = split.values.copy()
            values[split.val.start:] *= 10
            return dataclasses.replace(split, values=values)

    changed = ValidationAndTestTenfold(**CLASSIC)
    changed.setup()
    assert np.array_equal(changed.mean, sunspots.mean) and np.array_equal(changed.std, sunspots.std)
    assert torch.equal(changed.scaled[:201], sunspots.scaled[:201])


def autoreg_rmse(values: np.ndarray, fit_rows: int, targets: range) -> float:
    """AR(9) with intercept by statsmodels' own fit, its forecasts written as an explicit sum over lags."""
    params = AutoReg(values[:fit_rows], lags=9, trend="c").fit().params
    forecasts = [params[0] + sum(params[lag] * values[t - lag] for lag in range(1, 10)) for t in targets]
    return math.sqrt(np.mean((np.array(forecasts) - values[targets.start:targets.stop]) ** 2))


def test_baselines_match_an_independent_fit_and_the_literature(sunspots):
    values, split, baselines = sunspots.split.values[:, 0], sunspots.split, sunspots.baselines()
    assert baselines["val/ar9_rmse"] == pytest.approx(autoreg_rmse(values, 201, split.val), rel=1e-9)
    for name, persistence, ar9 in [("test_1921_1955", 25.3, 13.8), ("test_1956_1979", 38.0, 22.9)]:
        targets = split.tests[name]
        assert baselines[f"{name}/ar9_rmse"] == pytest.approx(autoreg_rmse(values, 221, targets), rel=1e-9)
        assert baselines[f"{name}/ar9_rmse"] == pytest.approx(ar9, abs=0.1)
        truth = values[targets.start:targets.stop]
        last_year = values[targets.start - 1:targets.stop - 1]
        assert baselines[f"{name}/persistence_rmse"] == pytest.approx(np.sqrt(np.mean((truth - last_year) ** 2)))
        assert baselines[f"{name}/persistence_rmse"] == pytest.approx(persistence, abs=0.1)


@pytest.mark.parametrize("options, complaint", [
    ({"test_periods": [[1910, 1930]]}, "after data.train_end=1920"),
    ({"test_periods": [[1960, 2020]]}, "by 2008"),
    ({"train_end": 2010}, "data.train_end"),
    ({"val_years": 190}, "too few for windows"),
    ({"forecast": "delta"}, "data.forecast must be one of level, change, got delta"),
])
def test_sunspot_options_that_cannot_work_are_errors(options, complaint):
    with pytest.raises(ZooError, match=complaint):
        SunspotsData(**options).setup()


def test_forecasting_the_change_scores_a_forecast_of_the_level_and_zero_change_is_persistence():
    change, level = SunspotsData(**CLASSIC, forecast="change"), SunspotsData(**CLASSIC, forecast="level")
    change.setup()
    level.setup()
    baselines = change.baselines()
    for name, loader in zip(change.test_names, change.test_dataloader()):
        batch = next(iter(loader))
        still = batch["target"][batch["mask"]]  # the error of forecasting no change, in scaled units
        assert float(still.pow(2).mean().sqrt()) * change.std[0] == pytest.approx(baselines[f"{name}/persistence_rmse"])
        levels = next(iter(level.test_dataloader()[change.test_names.index(name)]))
        assert torch.allclose(batch["input"] + batch["target"], levels["target"])  # last value + change = next
    windows = next(iter(change.train_dataloader()))
    assert torch.allclose(windows["input"][:, 1:], windows["input"][:, :-1] + windows["target"][:, :-1])


def write_csv(tmp_path, text: str, name="series.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


GOOD_ROWS = "".join(f"{year},{math.sin(year / 3) * 50 + 60:.3f}\n" for year in range(100))


def test_a_csv_column_is_split_in_time(tmp_path):
    path = write_csv(tmp_path, "year,level\n" + GOOD_ROWS)
    assert read_series_csv(path, ["level"])[:2, 0].tolist() == [60.0, pytest.approx(76.360, abs=1e-3)]
    data = SeriesData(path=path, column="level", val_fraction=0.1, test_fraction=0.2, window=16)
    data.setup()
    assert (data.split.val, data.split.tests) == (range(70, 80), {"test": range(80, 100)})
    assert data.test_names == ("test",)
    assert len(data.test_dataloader()) == 1
    assert set(data.baselines()) == {f"{period}/{reference}_rmse" for period in ("val", "test")
                                     for reference in ("persistence", "ar9")}


@pytest.mark.parametrize("text, complaint", [
    ("year,level\n1,2\n2,x\n", r":3: column 'level' holds 'x', not a finite number"),
    ("year,level\n1,2\n2,3\n3,\n", r":4: column 'level' is empty"),
    ("year,level\n1,2\n2\n", r":3: column 'level' is empty"),
    ("level\n2\n\n4\n", r":3: column 'level' is empty"),
    ("year,level\n1,nan\n", r":2: column 'level' holds 'nan', not a finite number"),
    ("year,value\n1,2\n", r":1: no column 'level'; the columns are 'year', 'value'"),
    ("", r": empty file"),
])
def test_bad_csv_lines_are_errors_naming_file_and_line(tmp_path, text, complaint):
    path = write_csv(tmp_path, text)
    with pytest.raises(ZooError, match=path.replace(".", r"\.") + complaint):
        read_series_csv(path, ["level"])


def test_csv_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "series.csv"
    path.write_bytes(b"level\n1\n\xff2\n")
    with pytest.raises(ZooError, match=r"series\.csv:3: not valid UTF-8"):
        read_series_csv(str(path), ["level"])


def test_missing_csv_and_too_few_rows_are_errors(tmp_path):
    with pytest.raises(ZooError, match="data file not found: .*absent.csv"):
        SeriesData(path=str(tmp_path / "absent.csv"), column="level").setup()
    path = write_csv(tmp_path, "level\n" + "".join(f"{value}\n" for value in range(30)))
    with pytest.raises(ZooError, match=r"series\.csv \(30 rows\): the split leaves 22 training rows, too few"):
        SeriesData(path=path, column="level").setup()


def test_an_ar_backbone_learns_to_beat_persistence(sunspots):
    torch.manual_seed(0)
    model = {"_target_": "zoo.models.ar.AR", "window": 9, "d_model": 16, "n_layers": 2, "n_heads": 1,
             "dropout": 0.0}
    task = ForecastingTask(model=model, optim={}, **sunspots.task_arguments())
    optimizer = torch.optim.AdamW(task.parameters(), lr=3e-3, weight_decay=0.0)
    loader = sunspots.train_dataloader()
    epochs = itertools.chain.from_iterable(itertools.repeat(loader))  # a fresh shuffle each pass
    for batch in itertools.islice(epochs, 200):
        loss = task.squared_errors(batch).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        squared_errors = task.eval().squared_errors(sunspots.period_batch(sunspots.split.val))
    val_rmse = squared_errors.mean().sqrt().item() * sunspots.std[0]
    persistence = sunspots.baselines()["val/persistence_rmse"]
    assert val_rmse < 0.85 * persistence, f"validation RMSE {val_rmse:.1f} against persistence {persistence:.1f}"
