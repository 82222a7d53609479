"""Each default written once: in the YAML a user reads.

An architecture is `zoo/models/<name>.py` and `conf/model/<name>.yaml`; a data set `zoo/data/<name>.py` and
`conf/data/<name>.yaml`. The YAML holds every knob with its default and a comment (an architecture's shared knobs
through the file its defaults list extends, conf/model/shared/backbone.yaml); the class's constructor holds the
knobs' types and no defaults. A class of zoo's own takes its YAML's values as the defaults of its constructor, so that
`LSTM()` builds the same model as `model=lstm` and `LSTM(d_model=64)` the same as `model=lstm model.d_model=64`.
The types are checked against the composed config before anything is built (`check_types`), naming the key.
"""
import functools
import importlib
import inspect
import types
import typing
from dataclasses import make_dataclass
from pathlib import Path
from typing import Any, List, Optional, Sequence

from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from zoo.errors import ZooError


def find_conf_dir() -> Path:
    """conf/, what `python -m zoo` composes: inside the package where it is installed from a wheel, beside the
    package in a checkout (and its editable install)."""
    package = Path(__file__).resolve().parent
    return next((path for path in (package / "conf", package.parent / "conf") if path.is_dir()), package / "conf")


CONF_DIR = find_conf_dir()
CHECKED_GROUPS = ("model", "data")  # the groups whose options are classes with configurable constructors


def options(group: str, overrides: Sequence[str] = ()) -> list[str]:
    """The options of a config group (the architectures of `model`, the data sets of `data`), those on a
    `hydra.searchpath=[...]` among the overrides included (Hydra's own `glob(*)` lists the primary path only)."""
    if GlobalHydra.instance().is_initialized():
        loader = GlobalHydra.instance().config_loader()
        return sorted(loader.get_group_options(group, config_name="train", overrides=list(overrides)))
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        return options(group, overrides)


class Configurable:
    """A class whose constructor's defaults are the values of its YAML, conf/<config_group>/<module name>.yaml
    (the YAML whose `_target_` names the class)."""

    config_group: str  # model, data

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        path = CONF_DIR / cls.config_group / f"{cls.__module__.rsplit('.', 1)[-1]}.yaml"
        if path.is_file():
            values = yaml_values(path)
            if values.get("_target_") == f"{cls.__module__}.{cls.__qualname__}":
                cls.__init__ = with_defaults(cls.__init__, {
                    key: value for key, value in values.items() if key != "_target_" and value != "???"})


def yaml_values(path: Path) -> dict:
    """The values a YAML of conf/ composes to on its own: the configs its defaults list extends
    (`- shared/backbone@_here_`, relative to its group, or `/model/shared/backbone@_here_`) merged in their order,
    its own where `_self_` stands (last where the list does not name it), as Hydra merges them. A group's option
    that the list selects (a data set's `- /task@_global_.task: ...`) lands in a node of its own, not in these."""
    node = OmegaConf.load(path)
    defaults = OmegaConf.to_container(node.pop("defaults", None) or OmegaConf.create([]))
    if "_self_" not in defaults:
        defaults.append("_self_")
    merged = OmegaConf.create()
    for entry in defaults:
        if entry == "_self_":
            merged = OmegaConf.merge(merged, node)
            continue
        if isinstance(entry, dict):
            continue
        name = entry.removesuffix("@_here_") if isinstance(entry, str) else ""
        if not name or "@" in name:
            raise ZooError(f"{path}: its defaults list may extend configs (`- shared/backbone@_here_`), not "
                           f"{entry!r}")
        extended = CONF_DIR / name.removeprefix("/") if name.startswith("/") else path.parent / name
        merged = OmegaConf.merge(merged, yaml_values(extended.with_suffix(".yaml")))
    return OmegaConf.to_container(merged)


def with_defaults(init, defaults: dict):
    """`init` with every argument it is not given taken from `defaults`."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def init_with_defaults(self, *args, **kwargs):
        given = set(signature.bind_partial(self, *args).arguments) | set(kwargs)
        missing = {key: value for key, value in defaults.items() if key not in given}
        init(self, *args, **missing, **kwargs)

    return init_with_defaults


def knob_types(cls) -> dict[str, Any]:
    """The annotated arguments of a class's constructors, its own and those it passes `**kwargs` on to."""
    knobs = {}
    for klass in reversed(cls.__mro__):
        init = inspect.unwrap(klass.__dict__.get("__init__", object.__init__))
        if not issubclass(klass, Configurable) or init is object.__init__:
            continue
        hints = typing.get_type_hints(init)
        for name, parameter in inspect.signature(init).parameters.items():
            if name != "self" and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                knobs[name] = schema_type(hints.get(name, Any))
    return knobs


def schema_type(hint):
    """What OmegaConf can check of a Python annotation: `float | None` -> Optional[float], `list` -> list, else Any
    where it cannot check it."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        arguments = [argument for argument in typing.get_args(hint) if argument is not type(None)]
        inner = schema_type(arguments[0]) if len(arguments) == 1 else Any
        return Optional[inner]
    if hint in (int, float, bool, str):
        return hint
    if hint is list or typing.get_origin(hint) is list:
        return List[Any]
    return Any


def import_class(target: str, key: str):
    module, _, name = target.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        raise ZooError(f"{key}={target} cannot be imported ({type(error).__name__}: {error}); is its directory "
                       "on PYTHONPATH?") from None


def check_types(cfg: DictConfig) -> dict[str, DictConfig]:
    """Every key of the model and data nodes is an argument of their class, of a value its annotation accepts.
    Returns the nodes with their values converted to those types (`model.dropout=1` reaches the class as 1.0), each
    keyed as in cfg (model.d_model); cfg itself stays as it was composed."""
    typed_nodes = {}
    for group in CHECKED_GROUPS:
        node = cfg.get(group)
        if not node or "_target_" not in node:
            continue
        cls = import_class(node._target_, f"{group}._target_")
        fields = [(name, hint) for name, hint in knob_types(cls).items()] + [("_target_", str)]
        schema = OmegaConf.structured(make_dataclass(f"{cls.__name__}Knobs", fields))
        try:
            typed = OmegaConf.merge(schema, OmegaConf.to_container(node, resolve=True))
        except OmegaConfBaseException as error:
            reason = str(error).splitlines()[0]
            raise ZooError(f"{group}.{error.full_key}: {reason}; {cls.__name__} takes "
                           f"{', '.join(name for name, _ in fields if name != '_target_')}") from None
        # the node's own keys only (the schema's others are the builder's arguments); a value still to give
        # (data.path=...) stays missing, for build to name
        converted = OmegaConf.to_container(typed)
        values = {key: converted[key] for key in node}
        typed_nodes[group] = OmegaConf.create({group: values})[group]
    return typed_nodes
