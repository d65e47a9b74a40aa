"""The questionnaire as data: loaded from ``data/eu_ai_act.yaml`` and used to check answers."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from openaims.classify._refs import LegalRef, parse_citation

__all__ = [
    "DATA_FILE",
    "AnswerError",
    "Obligation",
    "Question",
    "Questionnaire",
    "Section",
    "load_questionnaire",
    "questionnaire",
]

DATA_FILE = Path(__file__).resolve().parent / "data" / "eu_ai_act.yaml"
QUESTION_TYPES = ("boolean", "choice", "multichoice", "number")


class AnswerError(ValueError):
    """Answers that do not fit the questionnaire; ``errors`` is a list of ``(question id, message)``."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{question}: {message}" for question, message in errors))


@dataclass(frozen=True)
class Question:
    """One question: its id is the key of its answer."""

    id: str
    section: str
    text: str
    type: str
    refs: tuple[LegalRef, ...]
    default: Any = None
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False
    effect: str = ""
    ask_if: tuple[tuple[str, Any], ...] = ()

    @property
    def citation(self) -> str:
        return " + ".join(r.citation for r in self.refs)

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.choices)

    def check(self, value: Any) -> str | None:
        """Why ``value`` is not a valid answer to this question, or None."""
        if self.type == "boolean":
            return None if isinstance(value, bool) else f"must be true or false, not {type(value).__name__}"
        if self.type == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"must be a number, not {type(value).__name__}"
            if not math.isfinite(value) or value < 0:
                return "must be a finite number of zero or more"
            return None
        allowed = ", ".join(self.choice_values)
        if self.type == "choice":
            if not isinstance(value, str) or value not in self.choice_values:
                return f"must be one of {allowed}, not {value!r}"
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"must be a list of values from {allowed}"
        unknown = [v for v in value if v not in self.choice_values]
        if unknown:
            return f"unknown value(s) {', '.join(map(repr, unknown))} (allowed: {allowed})"
        if self.required and not value:
            return "choose at least one value"
        return None


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Obligation:
    """A duty that follows from the classification, for one role."""

    id: str
    refs: tuple[LegalRef, ...]
    text: str
    applies_from: str
    role: str = ""

    @property
    def citation(self) -> str:
        return " + ".join(r.citation for r in self.refs)

    def for_role(self, role: str) -> Obligation:
        return Obligation(self.id, self.refs, self.text, self.applies_from, role)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "role": self.role,
            "citation": self.citation,
            "references": [r.to_dict() for r in self.refs],
            "text": self.text,
            "applies_from": self.applies_from,
        }


@dataclass(frozen=True)
class Questionnaire:
    """The questions, grouped in sections, and the obligations catalogue they lead to."""

    id: str
    title: str
    regulation: str
    version: str
    sections: tuple[Section, ...]
    obligations: Mapping[str, Obligation]
    applies_from: Mapping[str, dict] = field(default_factory=dict)

    @functools.cached_property
    def questions(self) -> dict[str, Question]:
        return {q.id: q for s in self.sections for q in s.questions}

    def defaults(self) -> dict[str, Any]:
        return {q.id: (list(q.default) if isinstance(q.default, list) else q.default) for q in self.questions.values()}

    def validate(self, answers: Any) -> dict[str, Any]:
        """The answers merged over the defaults; :class:`AnswerError` names every question answered wrongly."""
        if not isinstance(answers, Mapping):
            message = f"must be a mapping of question id to answer, not {type(answers).__name__}"
            raise AnswerError([("answers", message)])
        errors: list[tuple[str, str]] = []
        for key, value in answers.items():
            question = self.questions.get(key) if isinstance(key, str) else None
            if question is None:
                errors.append((str(key), "unknown question"))
                continue
            if value is None and not question.required:
                continue
            if problem := question.check(value):
                errors.append((key, problem))
        for question in self.questions.values():
            if question.required and answers.get(question.id) is None:
                errors.append((question.id, "an answer is required"))
        if errors:
            raise AnswerError(errors)
        merged = self.defaults()
        merged.update({k: v for k, v in answers.items() if v is not None})
        return merged

    def is_asked(self, question: Question, answers: Mapping[str, Any]) -> bool:
        """Whether the guided form shows ``question`` given the other ``answers`` (multichoice: contains)."""
        for key, expected in question.ask_if:
            value = answers.get(key)
            if isinstance(value, list):
                if expected not in value:
                    return False
            elif value != expected:
                return False
        return True

    def obligation(self, obligation_id: str, role: str = "") -> Obligation:
        return self.obligations[obligation_id].for_role(role)


def _fail(path: Path, where: str, problem: str) -> ValueError:
    return ValueError(f"{path}: {where}: {problem}")


def _parse_question(path: Path, section: dict, raw: dict) -> Question:
    where = f"question {raw.get('id', '?')}"
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        raise _fail(path, where, f"type must be one of {', '.join(QUESTION_TYPES)}")
    if not str(raw.get("id", "")).isidentifier():
        raise _fail(path, where, "id must be a Python identifier (it names an API field)")
    try:
        refs = parse_citation(raw["ref"])
    except (KeyError, ValueError) as exc:
        raise _fail(path, where, f"ref: {exc}") from None
    choices = tuple((c["value"], c["label"]) for c in raw.get("choices", ()))
    if qtype in ("choice", "multichoice") and not choices:
        raise _fail(path, where, "a choice question needs choices")
    ask_if = {**section.get("ask_if", {}), **raw.get("ask_if", {})}
    default = raw.get("default", [] if qtype == "multichoice" else None)
    question = Question(
        id=raw["id"],
        section=section["id"],
        text=raw["text"],
        type=qtype,
        refs=refs,
        default=default,
        help=raw.get("help", ""),
        choices=choices,
        required=bool(raw.get("required", False)),
        effect=raw.get("effect", ""),
        ask_if=tuple(sorted(ask_if.items())),
    )
    if default is not None and not question.required and question.check(default):
        raise _fail(path, where, f"default {question.check(default)}")
    return question


def load_questionnaire(path: Path = DATA_FILE) -> Questionnaire:
    """Read and check a questionnaire file; ``ValueError`` names the file, the entry and the problem."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    dates = raw.get("applies_from", {})
    sections = []
    seen: set[str] = set()
    for section in raw["sections"]:
        questions = tuple(_parse_question(path, section, q) for q in section["questions"])
        for q in questions:
            if q.id in seen:
                raise _fail(path, f"question {q.id}", "duplicate id")
            seen.add(q.id)
        sections.append(Section(section["id"], section["title"], section.get("intro", ""), questions))
    for section in sections:
        for q in section.questions:
            for key, _ in q.ask_if:
                if key not in seen:
                    raise _fail(path, f"question {q.id}", f"ask_if names unknown question {key!r}")
    obligations = {}
    for key, item in raw["obligations"].items():
        if item.get("applies") not in dates:
            problem = f"applies must name an entry of applies_from, not {item.get('applies')!r}"
            raise _fail(path, f"obligation {key}", problem)
        try:
            refs = parse_citation(item["ref"])
        except ValueError as exc:
            raise _fail(path, f"obligation {key}", str(exc)) from None
        obligations[key] = Obligation(key, refs, item["text"], dates[item["applies"]]["date"])
    return Questionnaire(
        id=raw["id"],
        title=raw["title"],
        regulation=raw["regulation"],
        version=str(raw["version"]),
        sections=tuple(sections),
        obligations=obligations,
        applies_from=dates,
    )


@functools.cache
def questionnaire() -> Questionnaire:
    """The built-in EU AI Act questionnaire (loaded once)."""
    return load_questionnaire()
