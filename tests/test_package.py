"""zoo installs like a package: `python -m build` makes a wheel that carries conf/ and the Hydra plugins, and the
wheel installed into a fresh virtual environment trains from an empty directory, far from the checkout."""
import os
import shutil
import subprocess
import sys
import venv
import zipfile

import pytest

from tests.conftest import ROOT
from zoo import __version__


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel, built by the build tool from a copy of what the checkout ships (setuptools writes build/ and
    *.egg-info/ beside the sources; no isolation: the installed setuptools builds it)."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source)
    for name in ("zoo", "conf", "hydra_plugins"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, text=True)
    (built,) = out.glob("zoo-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """A fresh virtual environment holding the wheel; torch and the other dependencies come from this Python's
    site-packages, so nothing is downloaded."""
    environment = tmp_path_factory.mktemp("venv")
    venv.create(environment, system_site_packages=True, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
                   check=True, capture_output=True, text=True)
    return environment


def test_the_wheel_carries_the_configs_and_the_sweepers(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {name.removeprefix("zoo/") for name in names if name.startswith("zoo/conf/")}
    in_checkout = {f"conf/{path.relative_to(ROOT / 'conf')}" for path in (ROOT / "conf").rglob("*.yaml")}
    assert shipped == in_checkout
    assert "hydra_plugins/zoo_tuned_sweeper/sweeper.py" in names
    assert "hydra_plugins/zoo_optuna_sweeper/sweeper.py" in names


def test_every_package_of_the_checkout_is_in_the_wheel(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {str(path.relative_to(ROOT)) for package in ("zoo", "hydra_plugins") for path in (ROOT / package).rglob("*.py")}
    assert modules <= names, sorted(modules - names)


def installed_zoo(environment, *arguments, cwd):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WANDB_SILENT": "true", "PYTHONPATH": ""}
    return subprocess.run([str(environment / "bin" / "python"), "-m", "zoo", *arguments], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_installed_zoo_trains_from_an_empty_directory(installed, tmp_path):
    conf = subprocess.run([str(installed / "bin" / "python"), "-c", "import zoo.configurable; print(zoo.configurable.CONF_DIR)"],
                          cwd=tmp_path, capture_output=True, text=True, check=True)
    assert conf.stdout.startswith(str(installed)), "the installed package, not the checkout, holds the configs"
    run = installed_zoo(installed, "model=gru", "data=copy", "trainer.fast_dev_run=true", cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    (summary,) = (tmp_path / "outputs").rglob("summary.json")
    assert '"status": "completed"' in summary.read_text()


def test_the_installed_zoo_finds_a_users_own_configs(installed, tmp_path):
    own = tmp_path / "my_conf" / "data"
    own.mkdir(parents=True)
    (own / "short_copy.yaml").write_text("defaults:\n  - copy\n  - _self_\nlag: 3\n")
    composed = installed_zoo(installed, "--cfg", "job", "data=short_copy", f"hydra.searchpath=[file://{own.parent}]",
                             cwd=tmp_path)
    assert composed.returncode == 0, composed.stderr[-2000:]
    assert "lag: 3" in composed.stdout


def test_the_zoo_command_prints_its_version(installed, tmp_path):
    printed = subprocess.run([str(installed / "bin" / "zoo"), "--version"], cwd=tmp_path, capture_output=True,
                             text=True, check=True)
    assert printed.stdout.strip() == f"zoo {__version__}"
