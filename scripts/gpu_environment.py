"""What gpu_check.sh runs on: torch's CUDA build, each card and whether it computes bf16 natively, and whether
zoo's requirements import (a missing one: run scripts/gpu_prepare.sh where there is network, carry .gpu)."""
import importlib

import torch

print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
for index in range(torch.cuda.device_count()):
    print(f"card {index}: {torch.cuda.get_device_name(index)}, "
          f"native bf16: {torch.cuda.is_bf16_supported(including_emulation=False)}")
if not torch.cuda.is_available():
    print("no CUDA GPU visible")
missing = []
for name in ("hydra", "omegaconf", "pytorch_lightning", "tokenizers", "sacrebleu", "pytest", "xdist"):
    try:
        module = importlib.import_module(name)
        print(f"{name} {getattr(module, '__version__', '')}")
    except ImportError:
        missing.append(name)
if missing:
    raise SystemExit(f"missing: {', '.join(missing)} (scripts/gpu_prepare.sh where there is network; carry .gpu)")
