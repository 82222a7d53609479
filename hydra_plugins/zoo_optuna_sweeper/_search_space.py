"""Hydra's sweep syntax as Optuna distributions: choice(...) -> categorical, range(...) -> a stepped int or float,
interval(...) -> uniform float, tag(log, interval(...)) -> log-uniform. Imported only when a search starts (Hydra's
plugin scan skips modules whose name starts with '_'), so that composing a config never loads Optuna."""
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, Transformer
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution


def search_space(overrides: list[str]) -> tuple[dict[str, BaseDistribution], dict[str, str]]:
    """The searched keys with their distributions, and the fixed ones with their values. A key given twice takes
    its last value, so a command-line override replaces hydra.sweeper.params' entry, fixing it or searching it."""
    searched, fixed = {}, {}
    for override in OverridesParser.create().parse_overrides(overrides):
        key = override.get_key_element()
        searched.pop(key, None)
        fixed.pop(key, None)
        if override.is_sweep_override():
            searched[key] = distribution(override)
        else:
            fixed[key] = override.get_value_element_as_str()
    return searched, fixed


def distribution(override: Override) -> BaseDistribution:
    sweep = override.value()
    if override.is_choice_sweep() or (override.is_range_sweep() and sweep.shuffle):
        return CategoricalDistribution(list(override.sweep_iterator(transformer=Transformer.encode)))
    if override.is_range_sweep():
        values = list(override.sweep_iterator())  # Hydra's range excludes its stop, as Python's does
        if all(isinstance(value, int) for value in values + [sweep.step]):
            return IntDistribution(values[0], values[-1], step=sweep.step)
        return FloatDistribution(values[0], values[-1], step=sweep.step)
    if override.is_interval_sweep():  # Hydra's interval is always a float one
        return FloatDistribution(sweep.start, sweep.end, log="log" in sweep.tags)
    raise ValueError(f"{override.input_line}: glob(...) cannot be searched by Optuna; give choice(...) instead")
