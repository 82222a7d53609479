"""Yearly sunspot numbers 1700-2008 (the copy bundled with statsmodels), on the classic split of the forecasting
literature: fit on 1700-1920, test one step ahead (data.horizon=1) on 1921-1955 and 1956-1979."""
from statsmodels.datasets import sunspots

from zoo.data.series import ForecastData, SeriesSplit
from zoo.errors import ZooError

def period_name(first: int, last: int) -> str:
    return f"test_{first}_{last}"


class SunspotsData(ForecastData):
    """Training years 1700..train_end, of which the last `val_years` are held out for validation; one test per
    period of `test_periods` (first and last year, inclusive), each after train_end."""

    def __init__(self, train_end: int, val_years: int, test_periods: list, window: int, batch_size: int,
                 forecast: str, horizon: int, season: int | None, ar_order: int):
        super().__init__(window, batch_size, forecast, horizon, season, ar_order)
        if val_years < 1:
            raise ZooError(f"data.val_years must be >= 1, got {val_years}")
        if any(len(period) != 2 for period in test_periods):
            raise ZooError(f"data.test_periods must be [first, last] year pairs, got {list(test_periods)}")
        self.train_end, self.val_years = train_end, val_years
        self.test_periods = [(int(first), int(last)) for first, last in test_periods]
        self.test_names = tuple(period_name(*period) for period in self.test_periods)

    def read_split(self) -> SeriesSplit:
        table = sunspots.load_pandas().data
        years, values = table["YEAR"].astype(int).to_numpy(), table[["SUNACTIVITY"]].to_numpy(float)
        first_year, last_year = int(years[0]), int(years[-1])
        if not first_year < self.train_end < last_year:
            raise ZooError(f"data.train_end must lie within {first_year}..{last_year - 1}, got {self.train_end}")
        for first, last in self.test_periods:
            if not self.train_end < first <= last <= last_year:
                raise ZooError(
                    f"data.test_periods: [{first}, {last}] must lie after data.train_end={self.train_end} "
                    f"and by {last_year}, first year first"
                )
        # one row per year, so a year's row is its distance from the first year
        val_start = self.train_end - self.val_years + 1 - first_year
        return SeriesSplit(
            values, ("sunspots",), source=f"sunspots {first_year}..{last_year}",
            val=range(val_start, self.train_end + 1 - first_year),
            tests={
                period_name(first, last): range(first - first_year, last + 1 - first_year)
                for first, last in self.test_periods
            },
        )
