"""`python -m zoo.cli.probe memory [--sequences 8] [--out DIR] [--label NAME] model=... data=... [overrides]`: how far
back the gradient reaches.

For the last output of the backbone, y_T, and each earlier input x_{T-k} (the task's embedding of the token k steps
back), the probe measures the Jacobian's Frobenius norm ||dy_T / dx_{T-k}||, averaged over a few test sequences:
once at initialisation and once after training (zoo.run.fit's own run of the composed config). It is the
vanishing-gradient picture of the classic lecture: a fixed window cuts off exactly at its width, a tanh RNN decays
geometrically, a ReLU RNN (model.act=relu) may grow instead, gates and a linear state carry further, attention
reaches every position.

The config is composed as `python -m zoo` composes it, on top of experiment=long_range (its width, data sizes and
2000 training steps); logger=none, callbacks=none and test=false unless overridden. DIR (default
outputs/probe/memory) collects one CSV per label (the model and its model.* overrides unless --label names it):
memory-<label>.csv, k against the norm at init and after training; memory.png draws every CSV in DIR, two panels,
log-scale norm against k.
"""
import argparse
import csv
import re
from pathlib import Path

from zoo.errors import ZooError, command_line_tool
from zoo.markdown_table import markdown_table

USAGE = ("python -m zoo.cli.probe memory [--sequences N] [--out DIR] [--label NAME] model=... data=... "
         "[hydra overrides]")
# what the probe runs on unless the command line says otherwise
DEFAULTS = ["experiment=long_range", "logger=none", "callbacks=none", "test=false"]
STAGES = ("init", "trained")


def compose_config(overrides: list[str], output_dir: Path):
    """The config `python -m zoo OVERRIDES` composes, with its run directory at output_dir, installed as the
    current Hydra config (the trackers' names and zoo.run.fit read it); read-only, as a run's is."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    import zoo.config  # noqa: F401  (registers the config schemas)
    from zoo.configurable import CONF_DIR

    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        # Lightning's own checkpoint, where callbacks=none leaves it, goes into the run directory, not the cwd
        cfg = compose("train", overrides=[*DEFAULTS, f"trainer.default_root_dir={output_dir}", *overrides,
                                          f"hydra.runtime.output_dir={output_dir}", "hydra.job.num=0"],
                      return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    OmegaConf.set_readonly(cfg, True)
    return cfg


def gradient_norms(task, inputs):
    """||dy_T / dx_{T-k}||_F for k = 0 .. T-1, averaged over the batch: y the backbone's output at the last step,
    x the backbone's input (whatever the task feeds it: token embeddings, projected values). One backward pass per
    output unit gives the Jacobian's rows exactly; the sequences of a batch do not interact, so they share it."""
    import torch

    captured = {"calls": 0}

    def leaf_input(module, args, kwargs):
        captured["calls"] += 1
        captured["x"] = args[0].detach().requires_grad_()
        return (captured["x"], *args[1:]), kwargs

    def keep_output(module, args, kwargs, output):
        captured.setdefault("y", output)

    hooks = [task.backbone.register_forward_pre_hook(leaf_input, with_kwargs=True),
             task.backbone.register_forward_hook(keep_output, with_kwargs=True)]
    training = task.training
    task.eval()  # no dropout: the same function for every backward pass
    try:
        task(inputs)
    finally:
        for hook in hooks:
            hook.remove()
        task.train(training)
    if captured["calls"] != 1:
        raise ZooError("the memory probe needs a task that calls its backbone once per forward")
    x, last = captured["x"], captured["y"][:, -1]
    squared = torch.zeros(x.shape[:2])
    for unit in range(last.shape[-1]):
        (gradient,) = torch.autograd.grad(last[:, unit].sum(), x, retain_graph=unit + 1 < last.shape[-1])
        squared += gradient.detach().square().sum(-1)
    return squared.sqrt().flip(1).mean(0)  # index k: k steps before the last


def default_label(overrides: list[str], cfg) -> str:
    chosen = [override for override in overrides if override.startswith("model.")]
    return " ".join([cfg.hydra.runtime.choices.model, *chosen])


def file_name(label: str) -> str:
    return "memory-" + re.sub(r"[^A-Za-z0-9._=-]+", "_", label) + ".csv"


def write_csv(path: Path, label: str, norms: dict) -> None:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["label", "k", *STAGES])
        for k in range(len(norms["init"])):
            writer.writerow([label, k, *(f"{float(norms[stage][k]):.6g}" for stage in STAGES)])


def read_csvs(directory: Path) -> dict[str, dict[str, list[tuple[int, float]]]]:
    curves = {}
    for path in sorted(directory.glob("memory-*.csv")):
        with path.open() as file:
            for record in csv.DictReader(file):
                for stage in STAGES:
                    curve = curves.setdefault(record["label"], {}).setdefault(stage, [])
                    curve.append((int(record["k"]), float(record[stage])))
    return curves


def plot(directory: Path) -> Path:
    """memory.png: every label's curve in DIR, at initialisation and after training, log-scale norms; a norm of
    exactly 0 (a fixed window's cut-off, or a float32 underflow) is drawn on the dotted floor below the rest."""
    import math

    from matplotlib.figure import Figure

    curves = read_csvs(directory)
    positive = [norm for stages in curves.values() for points in stages.values() for _, norm in points if norm > 0]
    floor = 10.0 ** (math.floor(math.log10(min(positive, default=1.0))) - 1)
    figure = Figure(figsize=(13, 4.8), layout="constrained")
    figure.suptitle("memory probe: ||dy_T / dx_{T-k}|| against k")
    for axes, stage in zip(figure.subplots(1, 2, sharey=True).flat, STAGES):
        axes.set_title("at initialisation" if stage == "init" else "after training")
        for index, (label, stages) in enumerate(sorted(curves.items())):
            points = stages[stage]
            axes.plot([k for k, _ in points], [max(norm, floor) for _, norm in points], label=label,
                      color=f"C{index}")
        axes.axhline(floor, linestyle=":", color="grey")
        axes.set_yscale("log")
        axes.set_xlabel("k (steps back from the last output)")
        axes.legend(fontsize="small")
    figure.axes[0].set_ylabel(f"gradient norm (Frobenius; dotted, {floor:.0e}: exactly 0)")
    path = directory / "memory.png"
    figure.savefig(path, dpi=100)
    return path


def table(norms: dict, ks: list[int]) -> str:
    return markdown_table(["k", *map(str, ks)],
                          [[stage, *(f"{float(norms[stage][k]):.3g}" for k in ks)] for stage in STAGES])


def ladder(length: int) -> list[int]:
    """0, 1, 2, 4, 8 ... up to the first position: the ks the printed table shows."""
    ks, k = [0], 1
    while k < length:
        ks.append(k)
        k *= 2
    return ks + ([length - 1] if ks[-1] != length - 1 else [])


def memory(arguments, overrides: list[str]) -> dict:
    from zoo.data.probes import ProbeData
    from zoo.run.assemble import assemble
    from zoo.run.fit import train

    arguments.out.mkdir(parents=True, exist_ok=True)
    cfg = compose_config(overrides, arguments.out / "run")
    label = arguments.label or default_label(overrides, cfg)
    # initialisation: the task zoo.run.fit trains, assembled the same way from the same seed, so the same weights
    initial = assemble(cfg, trainer=False)
    datamodule, task = initial.datamodule, initial.task
    if not isinstance(datamodule, ProbeData):
        raise ZooError(f"data={cfg.hydra.runtime.choices.data}: the memory probe reads a generated probe "
                       "(copy, recall, adding)")
    sequences = datamodule.splits["test"]["input"][:arguments.sequences]
    norms = {"init": gradient_norms(task, sequences)}
    metrics = {}
    if cfg.train:
        metrics, trained = train(cfg)
        norms["trained"] = gradient_norms(trained.task.cpu(), sequences)
    else:
        norms["trained"] = norms["init"]
    write_csv(arguments.out / file_name(label), label, norms)
    figure = plot(arguments.out)
    objective = initial.objective
    trained = f"; after training {objective} {metrics[objective]:.4g}" if objective in metrics else ""
    print(f"memory probe, {label}, data={cfg.hydra.runtime.choices.data}, T={sequences.shape[1]}{trained}")
    print(table(norms, ladder(sequences.shape[1])))
    print(f"wrote {arguments.out / file_name(label)} and {figure}")
    return norms


@command_line_tool
def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m zoo.cli.probe", usage=USAGE, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("probe", choices=["memory"])
    parser.add_argument("--sequences", type=int, default=8, help="test sequences averaged over (default 8)")
    parser.add_argument("--out", type=Path, default=Path("outputs/probe/memory"))
    parser.add_argument("--label", help="the curve's name (default: the model and its model.* overrides)")
    arguments, overrides = parser.parse_known_args(argv)
    unknown = [override for override in overrides if "=" not in override]
    if unknown:
        parser.error(f"not a key=value override: {' '.join(unknown)}")
    memory(arguments, overrides)


if __name__ == "__main__":
    main()
