"""report.html in a real browser: headless Chromium (Debian's chromium and chromium-driver, driven by Selenium) opens
the page from disk; the runs table has one row per run, clicking a header sorts it, the data-set filter hides the
other data sets, the charts draw, and the browser logs no console error. A screenshot is kept: in the test's tmp
directory and as outputs/test-artefacts/report_html.png."""
import json
import shutil

import pytest

from tests.conftest import ROOT
from zoo.compare.command import compare

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (Debian: apt-get install chromium "
                                                         "chromium-driver, as .ci/run does)")
# headless, offline, no state from an earlier run: nothing but the file under test is loaded
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,2600"]


def written(path, model, lag, seed, accuracy, lr=0.01, failed=False):
    path.mkdir(parents=True)
    path.joinpath("summary.json").write_text(json.dumps({
        "status": "failed" if failed else "completed", "error": "RuntimeError: loss is nan" if failed else None,
        "config": {"data": {"_target_": "zoo.data.copy.CopyData", "lag": lag}, "model": {"d_model": 64},
                   "optim": {"lr": lr}, "seed": seed},
        "options": {"data": "copy", "model": model},
        "objective": {"name": "val/loss", "mode": "min"},
        "metrics": {} if failed else {"val/loss": 1 - accuracy, "best/val/loss": 1 - accuracy,
                                      "test/accuracy": accuracy, "baseline/accuracy": 0.125},
        "parameters": 1000 + seed, "wall_seconds": 2.0 + seed, "tokens_per_second": 500.0,
        "validation": [] if failed else [{"epoch": epoch, "step": 10 * (epoch + 1), "seconds": 1.0 + epoch,
                                          "val/loss": 2.0 - epoch * accuracy / 2} for epoch in range(3)],
    }))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """Two lags; per lag three models over three seeds (lstm also at a second learning rate) and a failed run."""
    root = tmp_path_factory.mktemp("report")
    for lag in (8, 32):
        for seed in range(3):
            written(root / f"lstm-{lag}-{seed}", "lstm", lag, seed, 0.90 + 0.02 * seed)
            written(root / f"lstm-slow-{lag}-{seed}", "lstm", lag, seed, 0.50 + 0.02 * seed, lr=0.001)
            written(root / f"gru-{lag}-{seed}", "gru", lag, seed, 0.91 + 0.015 * seed)
            written(root / f"rnn-{lag}-{seed}", "rnn", lag, seed, 0.40 - lag / 200 + 0.01 * seed)
        written(root / f"ar-{lag}", "ar", lag, 0, None, failed=True)
    compare(root)
    return root, len(list(root.rglob("summary.json")))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


def errors_logged(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def column(driver, name: str) -> list[str]:
    """The visible cells of the runs table's column `name`, top to bottom."""
    return driver.execute_script("""
        const table = document.getElementById("runs");
        const index = Array.from(table.tHead.rows[0].cells).findIndex(cell => cell.textContent === arguments[0]);
        return Array.from(table.tBodies[0].rows).filter(row => row.offsetParent !== null)
            .map(row => row.cells[index].textContent);""", name)


@pytest.fixture(scope="module")
def page(report, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    root, runs = report
    browser.get((root / "report.html").as_uri())
    # every chart drawn: Plotly fills each of its divs with an svg of traces
    WebDriverWait(browser, 60).until(lambda driver: driver.execute_script("""
        const charts = Array.from(document.querySelectorAll('.plotly-graph-div'));
        return document.readyState === 'complete' && charts.length > 0
            && charts.every(chart => chart.querySelector('.main-svg .scatterlayer .trace'));"""))
    return browser, root, runs


def test_the_page_loads_nothing_from_elsewhere(report):
    root, _ = report
    text = (root / "report.html").read_text()
    assert "<script src" not in text and "<link" not in text and "<iframe" not in text
    assert "Plotly" in text  # plotly.js inlined


def test_the_runs_table_has_one_row_per_run_and_the_failed_ones_their_error(page):
    browser, _, runs = page
    assert len(column(browser, "model")) == runs == 26
    statuses = column(browser, "status")
    assert statuses.count("failed: RuntimeError: loss is nan") == 2
    failed = browser.find_element("xpath", "//h2[text()='Failed runs']/following-sibling::div[1]/pre").text
    assert failed == "RuntimeError: loss is nan"
    # config differences: the learning rate that sets the slow lstm apart
    assert sum("optim.lr=0.001" in cell for cell in column(browser, "config differences")) == 6


def test_clicking_a_header_sorts_the_table(page):
    browser, _, _ = page
    before = column(browser, "value")
    header = browser.find_element("xpath", "//table[@id='runs']//th[text()='value']")
    header.click()
    ascending = column(browser, "value")
    numbers = [float(value) for value in ascending if value]
    assert ascending != before and numbers == sorted(numbers) and ascending[-2:] == ["", ""]  # failed runs last
    header.click()
    descending = [float(value) for value in column(browser, "value") if value]
    assert descending == sorted(numbers, reverse=True)
    browser.find_element("xpath", "//table[@id='runs']//th[text()='model']").click()
    assert column(browser, "model") == sorted(column(browser, "model"))


def test_the_filter_shows_one_data_set(page):
    from selenium.webdriver.support.ui import Select

    browser, _, _ = page
    Select(browser.find_element("id", "data-filter")).select_by_visible_text("copy data.lag=32")
    assert set(column(browser, "data set")) == {"copy data.lag=32"} and len(column(browser, "model")) == 13
    Select(browser.find_element("id", "data-filter")).select_by_visible_text("all")
    assert len(column(browser, "model")) == 26


def test_the_charts_draw_with_intervals_and_the_page_logs_no_error(page, tmp_path_factory):
    browser, _, _ = page
    charts = browser.execute_script("""
        return Array.from(document.querySelectorAll('.js-plotly-plot')).map(plot => [
            plot.querySelectorAll('.main-svg').length, plot.querySelectorAll('.scatterlayer .trace').length,
            plot.querySelectorAll('.errorbar').length]);""")
    assert len(charts) == 3  # two data sets and the ladder over data.lag
    assert all(svgs >= 1 and traces >= 3 for svgs, traces, _ in charts)
    assert all(bars >= 1 for _, _, bars in charts)
    shot = tmp_path_factory.mktemp("screenshot") / "report_html.png"
    browser.save_screenshot(str(shot))
    kept = ROOT / "outputs" / "test-artefacts" / "report_html.png"
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, kept)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert errors_logged(browser) == []


def test_a_console_error_would_be_seen(browser, tmp_path):
    """The check above can fail: a page that throws is reported."""
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>")
    browser.get(broken.as_uri())
    assert any("undefinedFunction" in message for message in errors_logged(browser))
