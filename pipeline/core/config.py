"""Configuration: the packaged defaults, overridden by a user's TOML file.

The defaults are ``default_config.toml`` (the pipeline's order, ingest limits, the counting pass,
the decision) plus one section per registered stage that takes settings, whose defaults are the
stage's keyword arguments (see :mod:`pipeline.core.registry`).
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
import stat
import tomllib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.core.registry import PipelineOrderError, StageSpec, UnknownStageError, check_order, registered, specs

Config = dict[str, dict[str, Any]]

# In TOML there is no null: the string "none" disables a threshold.
NONE_SPELLING = "none"


# A file a config value names (the config itself, a lexicon, a model) is read whole: a larger one
# is a mistake (a corpus given as a lexicon), not data to load.
MAX_USER_FILE_BYTES = 256 << 20


class ConfigError(ValueError):
    """A config value (or option) is wrong: the run stops before it writes anything, with one line."""


def read_user_file(path: Path | str, what: str, *, binary: bool = False) -> str | bytes:
    """The content of the file a config value names, or a :class:`ConfigError` saying what is wrong
    with it: missing, not a regular file (a folder, a FIFO, a device), too large, unreadable, not UTF-8."""
    where = f"{what} {path}"
    try:
        info = Path(path).stat()
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{where}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{where}: not a regular file (a folder, a FIFO or a device)")
    if info.st_size > MAX_USER_FILE_BYTES:
        raise ConfigError(f"{where}: {info.st_size} bytes, more than {MAX_USER_FILE_BYTES} (not a {what})")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{where}: {exc.strerror or exc}") from None
    if binary:
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: not UTF-8 text (byte {exc.start})") from None


def default_config() -> Config:
    text = resources.files("pipeline").joinpath("default_config.toml").read_text("utf-8")
    config = _nulls(tomllib.loads(text))
    for spec in registered().values():
        if spec.config is not None:
            if spec.config in config:
                raise ConfigError(f"stage {spec.name!r} declares section [{spec.config}], which is taken")
            config[spec.config] = copy.deepcopy(spec.defaults)
    return config


def presets() -> list[str]:
    """The names of the shipped presets (``pipeline/presets/<name>.toml``)."""
    return sorted(entry.name.removesuffix(".toml") for entry in resources.files("pipeline").joinpath("presets")
                  .iterdir() if entry.name.endswith(".toml"))


def load_config(path: Path | None = None, overrides: Iterable[str] = (), *, preset: str | None = None) -> Config:
    """The defaults, with the ``preset``'s keys laid over them (a shipped config file for a kind of
    corpus, :func:`presets`), then the keys of the file at ``path`` (if any), then the
    ``overrides`` (``section.key=value``, the value in TOML, or a bare string). ``[pipeline]
    plugins`` are imported first, so that the stages they register have sections."""
    overrides = list(overrides)
    if path is None and not overrides and preset is None:
        return default_config()
    user: dict[str, Any] = {}
    if preset is not None:
        if preset not in presets():
            raise ConfigError(f"unknown preset {preset!r}; presets are: {', '.join(presets())}")
        text = resources.files("pipeline").joinpath("presets", f"{preset}.toml").read_text("utf-8")
        user = _nulls(tomllib.loads(text))
    if path is not None:
        try:
            mine = _nulls(tomllib.loads(read_user_file(path, "config file")))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        for section, values in mine.items():
            user[section] = {**user[section], **values} if isinstance(values, dict) and isinstance(
                user.get(section), dict) else values
    for override in overrides:
        section, key, value = _override(override)
        user.setdefault(section, {})[key] = value
    where = " with ".join(part for part in (f"preset {preset}" if preset else None, str(path) if path else None,
                                            "--set" if overrides else None) if part)
    return _laid_over(user, where)


def _override(text: str) -> tuple[str, str, Any]:
    """``section.key=value`` read as (section, key, value): the value as TOML, or as a string."""
    name, sep, raw = text.partition("=")
    section, dot, key = name.strip().partition(".")
    if not (sep and dot and section and key):
        raise ConfigError(f"--set {text!r}: give SECTION.KEY=VALUE, such as decide.min_words=100")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return section, key, None if value == NONE_SPELLING else value


def _laid_over(user: dict[str, Any], path: Path | str) -> Config:
    import_plugins(user.get("pipeline", {}).get("plugins", []), path)
    config = default_config()
    # A stage's keys that may be "none"; every key of the other sections may (it switches a rule off).
    nullable = {spec.config: spec.nullable for spec in registered().values() if spec.config is not None}
    for section, values in user.items():
        if section not in config or not isinstance(values, dict):
            raise ConfigError(
                f"{path}: unknown section [{section}]; sections are: {', '.join(sorted(config))}"
            )
        for key, value in values.items():
            if key not in config[section]:
                known = ", ".join(sorted(config[section]))
                raise ConfigError(f"{path}: unknown key {section}.{key}; keys of [{section}]: {known}")
            default = config[section][key]
            if value is None and key not in nullable.get(section, {key}):
                raise ConfigError(f'{path}: {section}.{key} cannot be "none" (it has no off)')
            if value is not None and default is not None and type(value) is not type(default):
                if not (isinstance(default, float) and isinstance(value, int)):
                    raise ConfigError(
                        f"{path}: {section}.{key} must be {type(default).__name__}, got {value!r}"
                    )
            config[section][key] = value
    _check_stages(config, path)
    return config


def import_plugins(modules: Any, where: Path | str = "config") -> None:
    """Import the modules ``[pipeline] plugins`` names: stages outside the package register when
    their module is imported, and every worker process imports them the same way."""
    if not isinstance(modules, list) or not all(isinstance(name, str) for name in modules):
        raise ConfigError(f"{where}: pipeline.plugins must be a list of module names")
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"{where}: pipeline.plugins: cannot import {name!r} ({exc})") from None


def _check_stages(config: Config, path: Path | str) -> None:
    """``[pipeline] stages`` names registered stages, each once, in an order where each reads
    only what an earlier one adds."""
    names = config["pipeline"]["stages"]
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ConfigError(f"{path}: pipeline.stages must be a list of stage names")
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: pipeline.stages names a stage twice: {names}")
    try:
        check_order(specs(names))
    except (UnknownStageError, PipelineOrderError) as exc:
        raise ConfigError(f"{path}: pipeline.stages: {exc}") from None


def dump_config(config: Config) -> str:
    """``config`` as a TOML file that :func:`load_config` reads back to the same config (None as
    "none"): what ``clean-corpus config`` prints."""
    def value(v: Any) -> str:
        if v is None:
            return json.dumps(NONE_SPELLING)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        return "[" + ", ".join(value(item) for item in v) + "]"

    return "\n".join(f"[{section}]\n" + "".join(f"{key} = {value(v)}\n" for key, v in values.items())
                     for section, values in config.items())


def config_hash(config: Config) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def _nulls(tree: dict[str, Any]) -> dict[str, Any]:
    tree = copy.deepcopy(tree)
    for key, value in tree.items():
        if isinstance(value, dict):
            tree[key] = _nulls(value)
        elif value == NONE_SPELLING:
            tree[key] = None
    return tree


def configured(config: Config, *, until: str | None = None) -> list[StageSpec]:
    """The specs of the config's ``[pipeline] stages``, in order; with ``until``, those up to and
    including that stage."""
    import_plugins(config["pipeline"]["plugins"])  # in a worker process too
    names = list(config["pipeline"]["stages"])
    if until is not None:
        if until not in names:
            raise ValueError(f"stage {until!r} is not in the pipeline: {', '.join(names)}")
        names = names[: names.index(until) + 1]
    return specs(names)
