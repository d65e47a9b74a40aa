"""Impact assessment templates as data: the YAML files under ``openaims/impact/data/``, loaded and validated.

A template has sections; a section has questions; every question has an ``id`` (unique within its template:
answers are stored as ``{question id: value}``), ``text``, ``kind``, ``required`` and ``help``. Kinds:

``text``          a string
``choice``        one of ``options``
``multi_choice``  a list of ``options``
``yes_no``        true or false
``scale``         an integer from ``min`` to ``max`` (default 1-5), with optional ``labels``

A broken file raises :class:`TemplateError` naming the file and the entry, e.g.
``eu_fria.yaml: sections[1].questions[0] (id 'x'): unknown kind 'multiple' (use text, choice, …)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
KINDS = ("text", "choice", "multi_choice", "yes_no", "scale")
_TEMPLATE_KEYS = {"id", "title", "version", "basis", "description", "sections"}
_SECTION_KEYS = {"id", "title", "questions"}
_QUESTION_KEYS = {"id", "text", "kind", "required", "help", "options", "min", "max", "labels"}


class TemplateError(ValueError):
    """A template file that cannot be used, with the file and entry at fault in the message."""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: str
    required: bool
    help: str = ""
    options: tuple[str, ...] = ()
    min: int = 1
    max: int = 5
    labels: dict[int, str] = field(default_factory=dict)

    def check(self, value) -> str | None:
        """Why ``value`` is not a valid answer to this question, or None."""
        if self.kind == "text":
            return None if isinstance(value, str) else "must be text"
        if self.kind == "choice":
            if value not in self.options:
                return f"must be one of: {', '.join(self.options)}"
            return None
        if self.kind == "multi_choice":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return "must be a list of options"
            unknown = [v for v in value if v not in self.options]
            return f"unknown option {unknown[0]!r} (use {', '.join(self.options)})" if unknown else None
        if self.kind == "yes_no":
            return None if isinstance(value, bool) else "must be true or false"
        if isinstance(value, bool) or not isinstance(value, int) or not self.min <= value <= self.max:
            return f"must be a whole number from {self.min} to {self.max}"
        return None

    def display(self, value) -> str:
        """An answer as people read it (export, detail page)."""
        if value is None or value == "" or value == []:
            return "—"
        if self.kind == "yes_no":
            return "Yes" if value else "No"
        if self.kind == "multi_choice":
            return "; ".join(value)
        if self.kind == "scale":
            label = self.labels.get(value)
            return f"{value} of {self.max}" + (f" ({label})" if label else "")
        return str(value)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    version: int
    basis: str
    description: str
    sections: tuple[Section, ...]
    filename: str = ""

    @functools.cached_property
    def questions(self) -> dict[str, Question]:
        return {q.id: q for s in self.sections for q in s.questions}

    def answer_errors(self, answers) -> list[str]:
        """Problems of ``answers`` (unknown question ids, wrong values), each naming the question id."""
        if not isinstance(answers, dict):
            return ["answers must be an object of {question id: answer}"]
        errors = []
        for key, value in answers.items():
            question = self.questions.get(key)
            if question is None:
                errors.append(f"{key}: no such question in template {self.id!r}")
            elif (problem := question.check(value)) is not None:
                errors.append(f"{key}: {problem}")
        return errors

    def missing_required(self, answers: dict) -> list[Question]:
        """Required questions without an answer, in template order."""
        return [q for q in self.questions.values() if q.required and is_blank(answers.get(q.id))]


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _fail(filename: str, where: str, message: str):
    raise TemplateError(f"{filename}: {where}: {message}")


def _text(entry: dict, key: str, filename: str, where: str, required: bool = True) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        _fail(filename, where, f"{key!r} must be {'non-empty ' if required else ''}text")
    return value.strip()


def _unknown_keys(entry: dict, allowed: set[str], filename: str, where: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        _fail(filename, where, f"unknown key {unknown[0]!r} (use {', '.join(sorted(allowed))})")


def _question(entry, filename: str, where: str) -> Question:
    if not isinstance(entry, dict):
        _fail(filename, where, "must be a mapping")
    where = f"{where} (id {entry.get('id')!r})"
    _unknown_keys(entry, _QUESTION_KEYS, filename, where)
    kind = entry.get("kind")
    if kind not in KINDS:
        _fail(filename, where, f"unknown kind {kind!r} (use {', '.join(KINDS)})")
    required = entry.get("required", False)
    if not isinstance(required, bool):
        _fail(filename, where, "'required' must be true or false")
    options = entry.get("options", [])
    if kind in ("choice", "multi_choice"):
        if not isinstance(options, list) or len(options) < 2 or not all(isinstance(o, str) for o in options):
            _fail(filename, where, f"a {kind} question needs 'options': a list of at least two quoted strings")
        if len(set(options)) != len(options):
            _fail(filename, where, "duplicate option")
    elif options:
        _fail(filename, where, f"'options' only belong to choice questions, not {kind}")
    low, high, labels = entry.get("min", 1), entry.get("max", 5), entry.get("labels", {}) or {}
    if kind == "scale":
        if not (isinstance(low, int) and isinstance(high, int) and low < high):
            _fail(filename, where, "'min' and 'max' must be whole numbers with min < max")
        if not isinstance(labels, dict) or not all(isinstance(k, int) and low <= k <= high for k in labels):
            _fail(filename, where, f"'labels' keys must be whole numbers from {low} to {high}")
    elif "min" in entry or "max" in entry or labels:
        _fail(filename, where, f"'min', 'max' and 'labels' only belong to scale questions, not {kind}")
    return Question(
        id=_text(entry, "id", filename, where),
        text=_text(entry, "text", filename, where),
        kind=kind,
        required=required,
        help=_text(entry, "help", filename, where, required=False),
        options=tuple(options),
        min=low,
        max=high,
        labels={int(k): str(v) for k, v in labels.items()},
    )


def parse_template(data, filename: str) -> Template:
    """A :class:`Template` from the parsed YAML of one file; :class:`TemplateError` names what is wrong."""
    if not isinstance(data, dict):
        _fail(filename, "top level", "must be a mapping with id, title, version and sections")
    _unknown_keys(data, _TEMPLATE_KEYS, filename, "top level")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        _fail(filename, "top level", "'version' must be a whole number of 1 or more")
    sections_data = data.get("sections")
    if not isinstance(sections_data, list) or not sections_data:
        _fail(filename, "top level", "'sections' must be a non-empty list")
    sections: list[Section] = []
    section_ids: set[str] = set()
    question_ids: dict[str, str] = {}
    for i, entry in enumerate(sections_data):
        where = f"sections[{i}]"
        if not isinstance(entry, dict):
            _fail(filename, where, "must be a mapping")
        where = f"{where} (id {entry.get('id')!r})"
        _unknown_keys(entry, _SECTION_KEYS, filename, where)
        section_id = _text(entry, "id", filename, where)
        if section_id in section_ids:
            _fail(filename, where, f"duplicate section id {section_id!r}")
        section_ids.add(section_id)
        questions_data = entry.get("questions")
        if not isinstance(questions_data, list) or not questions_data:
            _fail(filename, where, "'questions' must be a non-empty list")
        questions = []
        for j, question_data in enumerate(questions_data):
            question = _question(question_data, filename, f"sections[{i}].questions[{j}]")
            if question.id in question_ids:
                _fail(
                    filename,
                    f"sections[{i}].questions[{j}]",
                    f"duplicate question id {question.id!r} (first in {question_ids[question.id]})",
                )
            question_ids[question.id] = f"sections[{i}]"
            questions.append(question)
        sections.append(Section(section_id, _text(entry, "title", filename, where), tuple(questions)))
    return Template(
        id=_text(data, "id", filename, "top level"),
        title=_text(data, "title", filename, "top level"),
        version=version,
        basis=_text(data, "basis", filename, "top level", required=False),
        description=_text(data, "description", filename, "top level", required=False),
        sections=tuple(sections),
        filename=filename,
    )


def load_templates(directory: Path = DATA_DIR) -> dict[str, Template]:
    """Every ``*.yaml`` template of ``directory`` by id; a duplicate template id names both files."""
    templates: dict[str, Template] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise TemplateError(f"{path.name}: not valid YAML ({exc})") from exc
        template = parse_template(data, path.name)
        if template.id in templates:
            first = templates[template.id].filename
            raise TemplateError(f"{path.name}: top level: duplicate template id {template.id!r} (also in {first})")
        templates[template.id] = template
    return templates


@functools.cache
def templates() -> dict[str, Template]:
    """The shipped templates, loaded once."""
    return load_templates()


def get_template(template_id: str) -> Template | None:
    return templates().get(template_id)
