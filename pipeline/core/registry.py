"""The stage registry: each stage says in one place what it reads, writes and is configured by.

As spaCy's ``Language.factory`` and dolma's ``TaggerRegistry.add`` do, a stage class is
registered with the :func:`stage` decorator, which records

* its ``name`` (the one ``[pipeline] stages`` lists), the capabilities it ``adds``, those it
  ``requires`` (an earlier stage must add them) and those it reads ``after`` when the pipeline
  has them (the removals of earlier stages): checked when a pipeline is built, so a stage never
  runs before what it reads;
* its ``signals`` (name, type, meaning): the columns it adds to ``signals.parquet`` and to the
  articles' ``metadata.signals``;
* its ``notes``: text it says of its own run on a document (``doc.notes[name]``), each a column;
* its report ``category`` (label and colours of its marks), and a template ``report`` partial
  that the document page includes;
* its ``config`` section, whose defaults are the keyword-only arguments of the class's
  ``__init__`` (datatrove's filters keep thresholds the same way).

Everything downstream (the schemas, the reports, the config's known sections) reads the specs
of the configured stages from here, so adding a detector is one module. Columns follow the
order of registration: the built-in stages register in the order :mod:`pipeline.stages` imports
them, later ones after.
"""

from __future__ import annotations

import importlib
import inspect
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from pipeline.core.document import Document

# The package whose import registers the built-in stages (a plugin package, loaded by name so
# that this core module never imports a stage).
BUILTIN_STAGES = "pipeline.stages"
# What every document has before any stage runs.
BASE_CAPABILITIES = frozenset({"text"})


@dataclass(frozen=True, slots=True)
class Signal:
    """A number a stage measures on each document: one column of the signals table."""

    name: str
    kind: type  # int or float: the column's type
    meaning: str


def signals(kind: type, meanings: dict[str, str]) -> tuple[Signal, ...]:
    """Several signals of one type, from ``{name: meaning}``."""
    return tuple(Signal(name, kind, meaning) for name, meaning in meanings.items())


@dataclass(frozen=True, slots=True)
class Category:
    """What a report shows an annotation as: its legend label and colours. ``name`` is the value
    of the annotations' ``category`` field; stages that remove the same kind of text share one."""

    name: str
    label: str
    background: str
    edge: str


# Annotations of no registered category.
OTHER = Category("other", "Other", "#dff3f0", "#0f6b5c")


class Stage:
    """The base of every stage: reads a :class:`Document`, adds annotations, signals and notes.

    Stages never change ``doc.text``. The :func:`stage` decorator sets the class variables.
    """

    name: ClassVar[str]
    requires: ClassVar[frozenset[str]] = frozenset()
    adds: ClassVar[frozenset[str]] = frozenset()

    def provenance(self) -> dict[str, str]:
        """What this stage's results depend on beyond the config (a model's digest), for the manifest."""
        return {}

    def close(self) -> None:
        """Release what the stage started (a LanguageTool server)."""

    def __call__(self, doc: Document) -> None:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A registered stage: everything the rest of the package knows of it."""

    name: str
    cls: type[Stage]
    requires: frozenset[str]
    adds: frozenset[str]
    after: frozenset[str] = frozenset()
    signals: tuple[Signal, ...] = ()
    notes: tuple[str, ...] = ()
    category: Category | None = None
    config: str | None = None
    report: str | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    # The config keys that may be "none" (their argument's type allows None).
    nullable: frozenset[str] = frozenset()

    def build(self, settings: dict[str, Any] | None) -> Stage:
        """The stage, built from its config section (``None`` for a stage that has none)."""
        return self.cls(**settings) if self.config is not None else self.cls()


_REGISTRY: dict[str, StageSpec] = {}


def stage(name: str, *, requires: Iterable[str] = (), adds: Iterable[str] = (), after: Iterable[str] = (),
          signals: Sequence[Signal] = (), notes: Sequence[str] = (), category: Category | None = None,
          config: str | None = None, report: str | None = None):
    """Register the decorated :class:`Stage` subclass under ``name`` (see the module docstring)."""

    def register(cls: type[Stage]) -> type[Stage]:
        if name in _REGISTRY and _REGISTRY[name].cls.__qualname__ != cls.__qualname__:
            raise ValueError(f"stage {name!r} is registered already, by {_REGISTRY[name].cls.__qualname__}")
        cls.name, cls.requires, cls.adds = name, frozenset(requires), frozenset(adds)
        _REGISTRY[name] = StageSpec(name, cls, cls.requires, cls.adds, frozenset(after), tuple(signals),
                                    tuple(notes), category, config, report,
                                    _keyword_defaults(cls) if config is not None else {}, _nullable(cls))
        return cls

    return register


def _keyword_defaults(cls: type) -> dict[str, Any]:
    """The keyword-only arguments of ``cls.__init__`` with their defaults, as config values
    (a tuple as a list, as TOML gives it)."""
    found = {}
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.kind is param.KEYWORD_ONLY:
            if param.default is param.empty:
                raise TypeError(f"{cls.__qualname__}: config argument {param.name!r} has no default")
            found[param.name] = list(param.default) if isinstance(param.default, tuple) else param.default
    return found


def unregister(name: str) -> None:
    """Forget the stage ``name`` (a test's, or a plugin's that another replaces)."""
    del _REGISTRY[name]


def _nullable(cls: type) -> frozenset[str]:
    """The keyword arguments of ``cls.__init__`` whose type admits None."""
    hints = typing.get_type_hints(cls.__init__)
    return frozenset(name for name, hint in hints.items()
                     if name != "return" and type(None) in typing.get_args(hint))


def registered() -> MappingProxyType[str, StageSpec]:
    """Every registered stage by name, in the order of registration (the built-in ones first)."""
    importlib.import_module(BUILTIN_STAGES)
    return MappingProxyType(_REGISTRY)


class UnknownStageError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def specs(names: Sequence[str]) -> list[StageSpec]:
    """The specs of the stages ``names``, in that order."""
    known = registered()
    for name in names:
        if name not in known:
            raise UnknownStageError(f"unknown stage {name!r}; registered stages: {', '.join(known)}")
    return [known[name] for name in names]


class PipelineOrderError(ValueError):
    pass


def check_order(chosen: Sequence[StageSpec]) -> None:
    """Raise :class:`PipelineOrderError` when a stage runs before what it reads, naming both."""
    have = set(BASE_CAPABILITIES)
    for position, spec in enumerate(chosen):
        later = {cap: other.name for other in chosen[position + 1:] for cap in other.adds}
        if wrong := sorted((spec.requires - have) | (spec.after & set(later))):
            anywhere = {cap: other.name for other in registered().values() for cap in other.adds}
            said = "; ".join(
                f"stage {later[cap]!r} adds {cap!r} after it" if cap in later
                else f"stage {anywhere[cap]!r} adds {cap!r} and is not in the pipeline" if cap in anywhere
                else f"no registered stage adds {cap!r}"
                for cap in wrong)
            raise PipelineOrderError(f"stage {spec.name!r} reads {wrong}, but {said}")
        have |= spec.adds


def ordered(chosen: Iterable[StageSpec]) -> list[StageSpec]:
    """``chosen`` in the order of registration (the order of columns and report categories)."""
    chosen = {spec.name for spec in chosen}
    return [spec for name, spec in registered().items() if name in chosen]


def categories(chosen: Iterable[StageSpec]) -> list[Category]:
    """The report categories of ``chosen``, each once, in the order of registration, then OTHER."""
    found: dict[str, Category] = {}
    for spec in ordered(chosen):
        if spec.category is not None:
            found.setdefault(spec.category.name, spec.category)
    return [*found.values(), OTHER]
