"""zoo.bench at its --quick sizes: every timed section builds its table from finite figures, and the forms the
kernels section races compute the same thing. No timing is asserted: speed is the benchmark's to report. Where a
GPU is visible, the sections are checked on it too."""
import math
import subprocess
import sys

import pytest
import torch

from tests.conftest import ROOT
from zoo.bench import generation, kernels, memory, throughput
from zoo.bench.scan_forms import SCAN_FORMS, step_loop
from zoo.bench.sizes import MODELS, QUICK
from zoo.models.latent_ar import linear_scan

DEVICES = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]


def table_rows(table: str) -> list[list[str]]:
    """The rows of every Markdown table in a section's output."""
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()
            if line.startswith("|") and not line.startswith("|---") and not line.startswith("| family")
            and not line.startswith("| model")]


def figure(cell: str) -> float:
    return float(cell.replace(",", ""))


@pytest.mark.parametrize("device", DEVICES)
def test_throughput_times_every_model_at_every_length_both_ways(device):
    rows = table_rows(throughput.run(QUICK, device))
    assert [(row[0], int(row[1])) for row in rows] == [(name, length) for name in MODELS for length in QUICK.lengths]
    for row in rows:
        plain, zoo, ratio = map(figure, row[3:6])
        assert plain > 0 and zoo > 0 and math.isfinite(ratio)


@pytest.mark.parametrize("device", DEVICES)
def test_generation_by_step_gives_the_tokens_of_rerunning_forward(device):
    rows = table_rows(generation.run(QUICK, device))
    assert [(row[0], int(row[1])) for row in rows] == [(model, batch) for batch in (1, QUICK.batch) for model in MODELS]
    assert all(row[5] == "yes" and figure(row[2]) > 0 for row in rows)


@pytest.mark.parametrize("device", DEVICES)
def test_kernels_time_zoos_form_of_each_family_and_every_mixer_against_its_step_loop(device):
    families, mixers = kernels.run(QUICK, device).split("its own `step` loop:")
    rows = table_rows(families)
    zoo_forms = {(row[0], int(row[1])) for row in rows if row[2].endswith("(zoo)")}
    expected = {("latent_ar", length) for length in QUICK.scan_lengths}
    expected |= {(family, length) for family in ("ar", "rnn", "lstm", "gru", "transformer", "mamba")
                 for length in QUICK.lengths}
    assert zoo_forms == expected
    assert all(figure(row[3]) > 0 for row in rows)
    mixer_rows = table_rows(mixers)
    assert {row[0] for row in mixer_rows if row[2] == "forward (zoo)"} == set(MODELS)
    assert {int(row[1]) for row in mixer_rows if row[0] == "latent_ar"} == set(QUICK.scan_lengths)  # to 4096
    assert all(figure(row[5]) < 1e-5 for row in mixer_rows)  # forward and step loop compute one recurrence


@pytest.mark.parametrize("form", [linear_scan, *SCAN_FORMS.values()])
def test_every_scan_form_computes_the_recurrence(form):
    decay = torch.rand(5, dtype=torch.float64) * 0.1 + 0.9
    inputs = torch.randn(2, 37, 5, dtype=torch.float64)
    torch.testing.assert_close(form(decay, inputs), step_loop(decay, inputs))


def test_window_forms_compute_the_convolution():
    torch.manual_seed(0)
    forms = kernels.window_forms(QUICK)
    x = torch.randn(2, 11, QUICK.d_model)
    expected = forms.pop("one convolution (zoo)")(x)
    for form in forms.values():
        torch.testing.assert_close(form(x), expected, atol=1e-5, rtol=1e-5)


def test_explicit_attention_equals_sdpa():
    query, key, value = torch.randn(3, 2, 4, 9, 8).unbind(0)
    torch.testing.assert_close(kernels.explicit_attention(query, key, value),
                               torch.nn.functional.scaled_dot_product_attention(query, key, value, is_causal=True))


@pytest.mark.parametrize("device", DEVICES)
def test_memory_of_a_training_step_is_a_finite_size(device):
    megabytes = memory.training_step_megabytes("lstm", 8, QUICK, device)
    assert math.isfinite(megabytes) and megabytes >= 0


def bench(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zoo.bench", *arguments], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_lengths_and_scan_lengths_replace_the_sizes_lengths():
    result = bench("--quick", "--sections", "kernels", "--lengths", "12", "--scan-lengths", "20", "40")
    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout.split("## ")[1].split("\n\n")[1])
    assert {(row[0], int(row[1])) for row in rows if row[0] == "latent_ar"} == {("latent_ar", 20), ("latent_ar", 40)}
    assert {int(row[1]) for row in rows if row[0] != "latent_ar"} == {12}


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without a GPU")
def test_device_cuda_without_a_gpu_is_one_line():
    result = bench("--device", "cuda", "--quick")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith("--device cuda: no CUDA GPU visible to torch " +
                                                         torch.__version__)
