"""One part of a run built from its config node: `instantiate` with a constructor's complaint turned into a one-line
error, and the task around its backbone (the data set's YAML names it, conf/task/)."""
import inspect

from hydra.errors import InstantiationException
from hydra.utils import get_class, instantiate
from lightning_fabric.utilities.exceptions import MisconfigurationException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue

from zoo.errors import ZooError


def build(node: DictConfig, what: str, **kwargs):
    """instantiate(node), with a constructor's complaint about its values turned into a one-line error."""
    try:
        return instantiate(node, **kwargs)
    except MissingMandatoryValue as error:
        raise ZooError(f"{error.full_key} must be given (e.g. {error.full_key}=...)") from None
    except InstantiationException as error:
        cause = error.__cause__
        if isinstance(cause, (ValueError, ZooError, MisconfigurationException)):
            raise ZooError(f"{what}: {cause}") from None
        raise


def build_all(group: DictConfig | None, what: str, extra=lambda node: {}) -> list:
    """Every `_target_` node of a group that holds several (loggers, callbacks); `extra(node)` gives the
    arguments zoo fills in for a node."""
    return [build(node, f"{what}.{name}", **extra(node))
            for name, node in (group or {}).items() if node and "_target_" in node]


def build_task(cfg: DictConfig, datamodule, model: dict):
    """The task of cfg.task around the backbone `model` (a plain node: the task builds it, once or as encoder and
    decoder), with what the data set tells it (vocabulary size, features, classes) and, for a task that generates
    (translation), the decoding settings."""
    if cfg.get("task") is None or OmegaConf.is_missing(cfg, "task"):
        raise ZooError("the config names no task: a data set's YAML selects one through its defaults list "
                       "(`- /task@_global_.task: forecasting`, conf/task/), or give task=...")
    generates = "decode" in inspect.signature(get_class(cfg.task._target_)).parameters
    return build(cfg.task, "task", model=model, optim=plain(cfg.optim), **datamodule.task_arguments(),
                 **({"decode": plain(cfg.decode)} if generates else {}), _recursive_=False, _convert_="all")


def plain(node: DictConfig) -> dict:
    return OmegaConf.to_container(node, resolve=True)


def target_class(node: DictConfig) -> str:
    return node._target_.rsplit(".", 1)[-1]
