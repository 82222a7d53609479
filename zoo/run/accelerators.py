"""What a GPU trainer asks of the machine, checked before any data is read, and the mixed precision that
`trainer.precision=auto-mixed` (trainer=gpu's) stands for on the card at hand."""
from functools import cache

import torch

from zoo.errors import ZooError

AUTO_MIXED = "auto-mixed"


def check_gpu_present(accelerator: str) -> None:
    """Without this, Lightning says "No supported gpu backend found!" after the data set has been read."""
    if accelerator not in ("gpu", "cuda") or torch.cuda.is_available():
        return
    reason = ("this torch is a CPU-only build" if torch.version.cuda is None
              else "no CUDA device is visible (driver, CUDA_VISIBLE_DEVICES)")
    raise ZooError(f"trainer.accelerator={accelerator} needs a CUDA GPU, but {reason} (torch {torch.__version__}): "
                   f"use trainer=cpu, or trainer.accelerator=auto")


def resolve_precision(precision, accelerator: str):
    """auto-mixed: bf16-mixed on a card that computes bf16 natively (Ampere and later), 16-mixed on older ones
    (emulated bf16 is slower than float32 there; 16-mixed's loss scaling guards float16's range), and 32-true on
    the CPU, where bf16-mixed made the main job slower (DESIGN.md, known traps). Any other value is Lightning's."""
    if precision != AUTO_MIXED:
        return precision
    if accelerator == "cpu" or not torch.cuda.is_available():
        return "32-true"
    return "bf16-mixed" if torch.cuda.is_bf16_supported(including_emulation=False) else "16-mixed"


@cache  # a fact of the machine: probed once per process
def cpu_runs_bf16_lstm() -> bool:
    """Whether this CPU computes nn.LSTM under bf16 autocast. torch hands that LSTM to oneDNN, which on a CPU without
    AVX-512 (an AVX2-only AMD EPYC here) fails at the first batch: "could not create a primitive descriptor for the
    LSTM forward propagation primitive"."""
    lstm = torch.nn.LSTM(1, 1)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            lstm(torch.zeros(1, 1, 1))
    except RuntimeError:
        return False
    return True


def cpu_cannot_autocast(model: torch.nn.Module) -> bool:
    """Whether the model holds an nn.LSTM that this CPU cannot compute under bf16 autocast."""
    return any(isinstance(module, torch.nn.LSTM) for module in model.modules()) and not cpu_runs_bf16_lstm()


def check_precision_fits(precision, accelerator: str, task: torch.nn.Module) -> None:
    """Before any training: refuse a bf16-mixed run on the CPU of a task holding an nn.LSTM where this CPU cannot
    compute one in bf16, instead of a oneDNN error at its first batch."""
    on_cpu = accelerator == "cpu" or not torch.cuda.is_available()
    if on_cpu and str(precision) in ("bf16-mixed", "bf16") and cpu_cannot_autocast(task):
        raise ZooError(f"trainer.precision={precision}: this CPU ({torch.backends.cpu.get_cpu_capability()}, no "
                       f"AVX-512) cannot run nn.LSTM under bf16 autocast (oneDNN); use trainer.precision=32-true "
                       f"(on a CPU that can, bf16-mixed made the main job slower anyway)")
