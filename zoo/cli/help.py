"""`python -m zoo --help`, answered by zoo. Hydra 1.3 builds the same page by copying its whole config repository
for every group it lists (about 100 copies, ~1.9 s here: `python -m zoo.bench --sections startup`); the groups are
the directories of conf/, their options as Hydra's config loader lists them (a user's search path included), and
the config of one composition, which takes a third of that."""
import sys

from hydra import compose, initialize_config_dir
from hydra.errors import HydraException
from omegaconf import OmegaConf

import zoo.config  # noqa: F401  (registers the config schemas)
from zoo.configurable import CONF_DIR, options


# the command-line tools beside `python -m zoo`: module, console script ([project.scripts]), arguments and purpose
TOOLS = (
    ("zoo.compare", "zoo-compare", "DIR", "leaderboard, plots and report.html of every run under DIR"),
    ("zoo.compare.replay", "zoo-replay", "DIR [--patience N ...]", "what a tighter stop rule would have done"),
    ("zoo.cli.sample", "zoo-sample", "RUN_DIR --prompt TEXT", "continue a prompt with a data=text run's model"),
    ("zoo.cli.score_translation", "zoo-score-translation", "RUN_DIR [RUN_DIR ...] [--split test]",
     "BLEU and chrF of a translation run, or of several as an ensemble"),
    ("zoo.cli.probe", "zoo-probe", "memory model=... data=...", "how far back the gradient reaches"),
    ("zoo.bench", "zoo-bench", "[--quick] [--sections ...]", "throughput, kernels, decoding, start-up, memory"),
)


def tool_lines() -> str:
    calls = [(f"python -m {module} {arguments}", f"({script}) {purpose}")
             for module, script, arguments, purpose in TOOLS]
    width = max(len(call) for call, _ in calls)
    return "\n".join(f"{call:<{width}}  {what}" for call, what in calls)


def config_groups(overrides: list[str]) -> str:
    """`group: option, option` lines, as Hydra's help lists them; a user's options on hydra.searchpath included.
    A group with no options of its own (experiment_setting, whose options an experiment picks by the model and the
    data set) is left out."""
    groups = sorted(path.name for path in CONF_DIR.iterdir() if path.is_dir() and path.name != "hydra")
    listed = {group: options(group, overrides) for group in groups}
    return "".join(f"{group}: {', '.join(names)}\n" for group, names in listed.items() if names)


def print_help(overrides: list[str]) -> None:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("train", overrides=overrides, return_hydra_config=True)
        groups = config_groups(overrides)
    template = cfg.hydra.help.template  # conf/hydra/default.yaml's page: header, tools, groups, config, footer
    shown = OmegaConf.masked_copy(cfg, [key for key in cfg if key != "hydra"])
    page = (template.replace("$ZOO_TOOLS", tool_lines()).replace("$APP_CONFIG_GROUPS", groups)
            .replace("$CONFIG", OmegaConf.to_yaml(shown)))
    print(page)


def answer_help_if_asked() -> None:
    """`--help` (or -h) on the command line: print the page and exit, before Hydra starts. Overrides that do not
    compose are left to Hydra, which names what is wrong."""
    arguments = sys.argv[1:]
    if "--help" in arguments or "-h" in arguments:
        try:
            print_help([argument for argument in arguments if not argument.startswith("-")])
        except HydraException:
            return
        sys.exit(0)
