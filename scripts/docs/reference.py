"""The manual's two references, generated from the code at build time so they cannot drift.

* :func:`scenario_reference`: every key of a scenario file, walked from the pydantic models
  (``simulator.config.schema.Scenario`` and the models it nests): type, default, constraints
  and description. A description is the field's ``description=``, else the ``#:`` comment
  above the field or the ``#`` comment beside it in the model's source; the model's docstring
  introduces its section.
* :func:`cube_reference`: every variable of a result cube from the variable table
  (``simulator.output.variables.VARIABLES``), grouped by element dimension.

Both return Markdown; ``scripts/docs/hooks.py`` puts them into the pages at build time.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import io
import re
import textwrap
import tokenize
import types
import typing
from collections.abc import Iterator
from pathlib import Path

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

# --------------------------------------------------------------------------- docstrings


def rst_to_md(text: str) -> str:
    """Sphinx-flavoured docstring text as Markdown: ``x`` and :role:`x` as code spans."""
    text = re.sub(r":(?:class|mod|func|meth|data|attr):`~?([^`]+)`", r"`\1`", text)
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def _doc(cls: type) -> str:
    """The class's own docstring (not an inherited one), dedented, as Markdown."""
    doc = cls.__dict__.get("__doc__")
    return rst_to_md(inspect.cleandoc(doc)) if doc else ""


# --------------------------------------------------------------------------- source comments


def _field_comments(cls: type) -> dict[str, str]:
    """Comments that describe the fields a class body declares: ``#:`` lines right above a
    field, or a ``#`` comment on the field's own lines."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string
    body = ast.parse(source).body[0]
    out: dict[str, str] = {}
    for node in getattr(body, "body", []):
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        above, line = [], node.lineno - 1
        while comments.get(line, "").lstrip().startswith("#:"):
            above.insert(0, comments[line].lstrip()[2:].strip())
            line -= 1
        beside = [comments[n].lstrip("# ").strip()
                  for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)
                  if n in comments and not comments[n].lstrip().startswith("#:")]
        text = " ".join(above) or " ".join(beside)
        if text:
            out[node.target.id] = rst_to_md(text)
    return out


def _description(model: type[BaseModel], name: str, info: FieldInfo) -> str:
    if info.description:
        return info.description
    for cls in model.__mro__:  # the class whose body declares the field
        if isinstance(cls, type) and issubclass(cls, BaseModel) and name in \
                inspect.get_annotations(cls):
            return _field_comments(cls).get(name, "")
    return ""


# --------------------------------------------------------------------------- types


def _is_model(tp: object) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _union_args(tp: object) -> tuple[object, ...] | None:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return None


def _strip(tp: object) -> tuple[object, list[object]]:
    """``Annotated[T, *meta]`` -> (T, meta); anything else -> (tp, [])."""
    if typing.get_origin(tp) is typing.Annotated:
        base, *meta = typing.get_args(tp)
        inner, more = _strip(base)
        return inner, [*more, *meta]
    return tp, []


def _constraints(meta: list[object]) -> list[str]:
    out = []
    for m in meta:
        if isinstance(m, FieldInfo):
            out += _constraints(list(m.metadata))
            continue
        for cls, attr, sign in ((at.Gt, "gt", ">"), (at.Ge, "ge", ">="), (at.Lt, "lt", "<"),
                                (at.Le, "le", "<=")):
            if isinstance(m, cls):
                out.append(f"{sign} {getattr(m, attr)}")
        if isinstance(m, at.MinLen):
            out.append(f"length >= {m.min_length}")
        if isinstance(m, at.MaxLen):
            out.append(f"length <= {m.max_length}")
        pattern = getattr(m, "pattern", None)
        if isinstance(pattern, str):
            out.append(f"matches `{pattern}`")
    return out


SIMPLE = {str: "text", int: "integer", float: "number", bool: "true/false", Path: "path",
          dt.datetime: "date-time (ISO 8601)", type(None): "null"}


def type_text(tp: object, anchors: dict[type, str]) -> str:
    """A field type in words, nested models as links to their sections."""
    tp, meta = _strip(tp)
    limits = _constraints(meta)
    text = _type_words(tp, anchors)
    return f"{text} ({', '.join(limits)})" if limits and _union_args(tp) is None and \
        typing.get_origin(tp) in (list, tuple, dict) else text


def _type_words(tp: object, anchors: dict[type, str]) -> str:
    if _is_model(tp):
        return f"[{tp.__name__}](#{anchors[tp]})" if tp in anchors else tp.__name__
    if tp in SIMPLE:
        return SIMPLE[tp]
    args = _union_args(tp)
    if args is not None:
        return " or ".join(_inner(a, anchors) for a in args)
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        values = [f"`{a}`" for a in typing.get_args(tp)]
        return values[0] if len(values) == 1 else "one of " + ", ".join(values)
    if origin is list:
        return f"list of {_inner(typing.get_args(tp)[0], anchors)}"
    if origin is dict:
        key, value = typing.get_args(tp)
        return f"mapping {_inner(key, anchors)} → {_inner(value, anchors)}"
    if origin is tuple:
        inner = typing.get_args(tp)
        return "(" + ", ".join(_inner(a, anchors) for a in inner) + ")"
    return f"`{tp}`"


def _inner(tp: object, anchors: dict[type, str]) -> str:
    base, meta = _strip(tp)
    limits = _constraints(meta)
    words = _type_words(base, anchors)
    return f"{words} ({', '.join(limits)})" if limits else words


# --------------------------------------------------------------------------- defaults


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    value = info.default_factory() if info.default_factory is not None else info.default
    if value is PydanticUndefined:
        return "**required**"
    if isinstance(value, BaseModel):
        return "its section's defaults"
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list | tuple) and value and all(isinstance(v, tuple) for v in value):
        value = [list(v) for v in value]
    if isinstance(value, tuple):
        value = list(value)
    return f"`{value}`"


# --------------------------------------------------------------------------- walking


def _models_in(tp: object) -> Iterator[type[BaseModel]]:
    tp, _ = _strip(tp)
    if _is_model(tp):
        yield tp
        return
    for arg in typing.get_args(tp):
        if not isinstance(arg, str | int | float | bool):  # Literal values
            yield from _models_in(arg)


def _tag(model: type[BaseModel]) -> str | None:
    """The ``type`` a variant of a discriminated union answers to."""
    info = model.model_fields.get("type")
    if info is None:
        return None
    args = typing.get_args(_strip(info.annotation)[0])
    return " / ".join(str(a) for a in args) if args else None


def _sections(root: type[BaseModel]) -> dict[type[BaseModel], list[str]]:
    """Every model reachable from ``root``, depth first, with the key paths it is written at
    (the first one titles its section)."""
    seen: dict[type[BaseModel], list[str]] = {}

    def visit(model: type[BaseModel], key: str, title: str) -> None:
        if model in seen:
            if title not in seen[model]:
                seen[model].append(title)
            return
        seen[model] = [title]
        for name, info in model.model_fields.items():
            origin = typing.get_origin(_strip(info.annotation)[0])
            suffix = "[]" if origin is list else ".<name>" if origin is dict else ""
            child_key = f"{key}.{name}{suffix}" if key else f"{name}{suffix}"
            for child in _models_in(info.annotation):
                tag = _tag(child)
                visit(child, child_key,
                      f"`{child_key}`" + (f" with `type: {tag}`" if tag else ""))

    visit(root, "", "")
    return seen


def _anchor(model: type[BaseModel]) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", model.__name__).lower()


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


#: units by key-name suffix, the convention of every scenario key (longest first)
UNIT_SUFFIXES = (
    ("_eur_per_mwh", "EUR/MWh"), ("_eur_per_t", "EUR/t CO2"), ("_g_per_kwh", "g CO2/kWh"),
    ("_t_per_tj", "t CO2/TJ"), ("_m_per_s", "m/s"), ("_per_day", "1/day"), ("_mwh", "MWh"),
    ("_mw", "MW"), ("_bar", "bar"), ("_pu", "p.u."), ("_percent", "%"), ("_c", "°C"),
    ("_k", "K"), ("_h", "h"), ("_s", "s"), ("_sd", "1 (relative)"), ("_share", "1"),
    ("_fraction", "1"),
)


def unit_of(key: str) -> str:
    """The unit a key's name states (``heat_mw``: MW), or '' when it states none."""
    return next((unit for suffix, unit in UNIT_SUFFIXES if key.endswith(suffix)), "")


def model_table(model: type[BaseModel], anchors: dict[type, str]) -> list[str]:
    """The model's keys as a table; the description column only where a key has one."""
    rows = []
    for name, info in model.model_fields.items():
        limits = _constraints(list(info.metadata))
        kind = type_text(info.annotation, anchors)
        if limits:
            kind += f" ({', '.join(limits)})"
        rows.append([f"`{name}`", unit_of(name), _cell(kind), _cell(_default(info)),
                     _cell(_description(model, name, info))])
    header = ["key", "unit", "type", "default", "description"]
    if not any(r[-1] for r in rows):
        header, rows = header[:-1], [r[:-1] for r in rows]
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(r) + " |" for r in rows)]


def scenario_reference() -> str:
    """Markdown: one section per model of the scenario schema, from the file's top level."""
    from simulator.config.schema import Scenario

    sections = _sections(Scenario)
    anchors = {model: _anchor(model) for model in sections}
    out: list[str] = []
    for model, titles in sections.items():
        shared = len(titles) > 2  # a building block of many keys: titled by its name
        title = f"`{model.__name__}`" if shared else titles[0] or "The top level"
        where = (f"; the form of {', '.join(titles)}" if shared else
                 f"; also at {', '.join(titles[1:])}" if titles[1:] else "")
        out += [f"## {title} {{#{anchors[model]}}}", "",
                f"*Model `{model.__module__}.{model.__name__}`{where}.*", ""]
        if _doc(model):
            out += [_doc(model), ""]
        out += [*model_table(model, anchors), ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- the cube


def cube_reference() -> str:
    """Markdown: the cube's dimensions and every variable of the table, by dimension."""
    from simulator.output.variables import (
        CONVENTIONS,
        ELEMENT_DIMS,
        NAME_SUFFIX,
        VARIABLES,
        cube_dims,
    )

    out = [f"Conventions: `{CONVENTIONS}`. Element dimensions: "
           + ", ".join(f"`{d}` (names in `{d}{NAME_SUFFIX}`)" for d in ELEMENT_DIMS)
           + f"; {len(VARIABLES)} variables.", ""]
    groups = [(d, [v for v in VARIABLES if d in v.dims]) for d in ELEMENT_DIMS]
    groups.append((None, [v for v in VARIABLES if v.dims == ("time",)]))
    for dim, members in groups:
        if not members:
            continue
        out += [f"## Per {dim} and hour" if dim else "## Per hour (the whole district)", "",
                "| variable | dimensions on disk | units | meaning | notes |",
                "|---|---|---|---|---|"]
        for v in members:
            notes = []
            if v.flag_meanings:
                notes.append(f"flag (int8): 0 {v.flag_meanings.split()[0]}, "
                             f"1 {v.flag_meanings.split()[1]}")
            if v.currency:
                notes.append(f"currency {v.currency}")
            if v.standard_name:
                notes.append(f"standard_name `{v.standard_name}`")
            if v.units_metadata:
                notes.append(f"`{v.units_metadata}`")
            elif v.units == "K":
                notes.append("`temperature: on_scale`")
            if v.is_text:
                notes.append("text")
            units = f"`{v.units}`" if v.units is not None else "(text)"
            out.append(f"| `{v.name}` | ({', '.join(cube_dims(v.dims))}) | {units} | "
                       f"{_cell(v.long_name)} | {'; '.join(notes)} |")
        out.append("")
    return "\n".join(out)
