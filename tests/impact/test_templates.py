"""Templates as data: the shipped files load, and a broken file is refused naming the file and the entry."""

from __future__ import annotations

import textwrap

import pytest

from openaims.impact.questionnaires import KINDS, TemplateError, load_templates, templates

GOOD = """
id: {id}
title: Small template
version: 1
sections:
  - id: one
    title: One
    questions:
      - id: q1
        text: First?
        kind: text
        required: true
        help: Say it.
      - id: q2
        text: Second?
        kind: choice
        options: [A, B]
"""


def write(tmp_path, name: str, content: str):
    (tmp_path / name).write_text(textwrap.dedent(content), encoding="utf-8")


def test_shipped_templates_cover_iso_42005_topics_and_art_27_elements():
    shipped = templates()
    assert set(shipped) == {"iso42005", "eu_fria"}
    iso = [s.id for s in shipped["iso42005"].sections]
    assert iso == [
        "intended_use",
        "misuse",
        "affected_people",
        "fundamental_rights",
        "severity",
        "fairness",
        "transparency",
        "human_oversight",
        "safety",
        "privacy",
        "environment",
    ]
    fria = [s.id for s in shipped["eu_fria"].sections]
    assert fria == [
        "deployer_processes",
        "period_and_frequency",
        "persons_affected",
        "risks_of_harm",
        "oversight_measures",
        "measures_if_risks_materialise",
    ]
    assert "complaint_mechanism" in shipped["eu_fria"].questions
    for template in shipped.values():
        kinds = {q.kind for q in template.questions.values()}
        assert kinds <= set(KINDS)
        assert all(q.text and q.help for q in template.questions.values())
    assert {q.kind for t in shipped.values() for q in t.questions.values()} == set(KINDS)


def test_a_small_valid_template_loads(tmp_path):
    write(tmp_path, "a.yaml", GOOD.format(id="small"))
    loaded = load_templates(tmp_path)
    assert list(loaded) == ["small"]
    assert [q.id for q in loaded["small"].questions.values()] == ["q1", "q2"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            GOOD.format(id="x").replace("kind: text", "kind: essay"),
            "bad.yaml: sections[0].questions[0] (id 'q1'): unknown kind 'essay'",
        ),
        (
            GOOD.format(id="x").replace("id: q2", "id: q1"),
            "bad.yaml: sections[0].questions[1]: duplicate question id 'q1'",
        ),
        (
            GOOD.format(id="x").replace("options: [A, B]", "options: [A]"),
            "(id 'q2'): a choice question needs 'options'",
        ),
        (GOOD.format(id="x").replace("options: [A, B]", "options: [Yes, No]"), "quoted strings"),
        (
            GOOD.format(id="x").replace("required: true", "required: maybe"),
            "(id 'q1'): 'required' must be true or false",
        ),
        (GOOD.format(id="x").replace("help: Say it.", "hint: Say it."), "(id 'q1'): unknown key 'hint'"),
        (GOOD.format(id="x").replace("version: 1", "version: zero"), "bad.yaml: top level: 'version'"),
        (GOOD.format(id="x").replace("text: First?", "text: ''"), "(id 'q1'): 'text' must be non-empty text"),
        ("id: x\ntitle: [unclosed\n", "bad.yaml: not valid YAML"),
    ],
)
def test_broken_template_names_file_and_entry(tmp_path, content, expected):
    write(tmp_path, "bad.yaml", content)
    with pytest.raises(TemplateError) as raised:
        load_templates(tmp_path)
    assert expected in str(raised.value)


def test_duplicate_template_id_names_both_files(tmp_path):
    write(tmp_path, "a.yaml", GOOD.format(id="same"))
    write(tmp_path, "b.yaml", GOOD.format(id="same"))
    with pytest.raises(TemplateError, match=r"b.yaml: top level: duplicate template id 'same' \(also in a.yaml\)"):
        load_templates(tmp_path)


def test_duplicate_section_id(tmp_path):
    content = (
        GOOD.format(id="x") + "  - id: one\n    title: Again\n    questions:\n      - {id: q3, text: T, kind: yes_no}\n"
    )
    write(tmp_path, "bad.yaml", content)
    with pytest.raises(TemplateError, match=r"sections\[1\] \(id 'one'\): duplicate section id 'one'"):
        load_templates(tmp_path)


def test_answers_are_checked_against_the_template():
    template = templates()["iso42005"]
    errors = template.answer_errors(
        {
            "decision_role": "Something else",
            "vulnerable_groups": ["Children", "Aliens"],
            "fairness_tested": "yes",
            "overall_severity": 9,
            "no_such_question": "x",
            "worst_case": "Loss of income.",
        }
    )
    assert len(errors) == 5
    joined = "\n".join(errors)
    for word in (
        "decision_role:",
        "vulnerable_groups: unknown option 'Aliens'",
        "fairness_tested: must be true or false",
        "overall_severity: must be a whole number from 1 to 5",
        "no_such_question: no such question",
    ):
        assert word in joined
