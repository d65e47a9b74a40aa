"""The shipped frameworks and crosswalks: completeness, counts and look-ups."""

import dataclasses
import re
from collections import Counter

import pytest

from openaims.catalog import (
    BASES,
    DATA_DIR,
    RELATIONS,
    Item,
    Mapping,
    builtin_crosswalks,
    builtin_frameworks,
    get_crosswalk,
    get_framework,
    mappings_for,
)

ISO42001_CLAUSES = {
    "4": ["4.1", "4.2", "4.3", "4.4"],
    "5": ["5.1", "5.2", "5.3"],
    "6": ["6.1", "6.2", "6.3"],
    "7": ["7.1", "7.2", "7.3", "7.4", "7.5"],
    "8": ["8.1", "8.2", "8.3", "8.4"],
    "9": ["9.1", "9.2", "9.3"],
    "10": ["10.1", "10.2"],
}
ISO42001_HEADINGS = {
    "6.1": ["6.1.1", "6.1.2", "6.1.3", "6.1.4"],
    "7.5": ["7.5.1", "7.5.2", "7.5.3"],
    "9.2": ["9.2.1", "9.2.2"],
    "9.3": ["9.3.1", "9.3.2", "9.3.3"],
}
ANNEX_A_CONTROLS_PER_GROUP = {"A.2": 3, "A.3": 2, "A.4": 5, "A.5": 4, "A.6": 9, "A.7": 5, "A.8": 4, "A.9": 3, "A.10": 3}


@pytest.fixture(scope="module")
def iso():
    return get_framework("iso42001")


def test_builtin_frameworks_are_the_five_shipped():
    assert set(builtin_frameworks()) == {"iso42001", "nist-ai-rmf", "eu-ai-act", "iso27001", "soc2"}
    assert {path.stem for path in DATA_DIR.glob("*.yaml")} == set(builtin_frameworks())


def test_every_item_has_kind_and_title_and_one_line_summary():
    for framework in builtin_frameworks().values():
        assert framework.name and framework.version and framework.publisher
        for item in framework:
            assert item.title, (framework.id, item.id)
            assert "\n" not in item.summary and len(item.summary) <= 300, (framework.id, item.id)
            assert "\n" not in item.evidence and len(item.evidence) <= 300, (framework.id, item.id)


def test_iso42001_has_every_clause_4_to_10_and_its_subclauses(iso):
    clauses = [item.id for item in iso.children(None) if item.kind == "clause"]
    assert clauses == list(ISO42001_CLAUSES)
    for clause, subclauses in {**ISO42001_CLAUSES, **ISO42001_HEADINGS}.items():
        assert [item.id for item in iso.children(clause)] == subclauses
    requirements = iso.of_kind("requirement")
    assert len(requirements) == 32
    assert {item.id for item in requirements} == {
        sub
        for subs in {**ISO42001_CLAUSES, **ISO42001_HEADINGS}.values()
        for sub in subs
        if sub not in ISO42001_HEADINGS
    }
    assert all(item.summary and item.evidence for item in requirements)


def test_iso42001_annex_a_has_38_controls_in_9_groups(iso):
    groups = [item for item in iso.children("A") if item.kind == "group"]
    assert [group.id for group in groups] == list(ANNEX_A_CONTROLS_PER_GROUP)
    controls = iso.of_kind("control")
    assert len(controls) == 38
    per_group = Counter(next(a.id for a in iso.ancestors(c.id) if a.parent == "A") for c in controls)
    assert per_group == ANNEX_A_CONTROLS_PER_GROUP
    assert [item.id for item in iso.children("A.6")] == ["A.6.1", "A.6.2"]


def test_iso42001_annex_a_controls_carry_their_annex_b_guidance_id(iso):
    for control in iso.of_kind("control"):
        assert control.guidance == "B" + control.id[1:]
        assert control.summary and control.evidence


def test_iso42001_annex_a_groups_name_their_objective_statement(iso):
    objective_ids = {group.id: group.props.get("objective-id") for group in iso.of_kind("group") if group.parent != "C"}
    assert objective_ids["A.2"] == "A.2.1"
    assert objective_ids["A.6.1"] == "A.6.1.1"
    assert objective_ids["A.6"] is None  # A.6 has two sub-objectives instead


def test_iso42001_annex_c_objectives_and_risk_sources(iso):
    objectives = iso.of_kind("objective")
    risk_sources = iso.of_kind("risk-source")
    assert len(objectives) == 11 and {item.parent for item in objectives} == {"C.2"}
    assert len(risk_sources) == 7 and {item.parent for item in risk_sources} == {"C.3"}
    assert iso.get("C.2.5").title == "Fairness"


def test_nist_ai_rmf_outline():
    nist = get_framework("nist-ai-rmf")
    kinds = Counter(item.kind for item in nist)
    assert kinds == {"function": 4, "category": 19, "subcategory": 72}
    assert [item.id for item in nist.children(None)] == ["GOVERN", "MAP", "MEASURE", "MANAGE"]
    for sub in nist.of_kind("subcategory"):
        assert re.fullmatch(r"(GOVERN|MAP|MEASURE|MANAGE) \d+\.\d+", sub.id)
        assert sub.parent == sub.id.rsplit(".", 1)[0]


def test_iso27001_has_93_annex_a_controls_in_4_themes():
    iso27001 = get_framework("iso27001")
    per_theme = Counter(item.parent for item in iso27001.of_kind("control"))
    assert per_theme == {"A.5": 37, "A.6": 8, "A.7": 14, "A.8": 34}
    assert iso27001.get("A.8.16").title == "Monitoring activities"
    assert len(iso27001.of_kind("requirement")) == 30


def test_soc2_common_criteria():
    soc2 = get_framework("soc2")
    common = [item for item in soc2.of_kind("criterion") if item.id.startswith("CC")]
    assert len(common) == 33
    assert [item.id for item in soc2.children("CC")] == [f"CC{n}" for n in range(1, 10)]


def test_eu_ai_act_articles_sit_in_their_chapters():
    act = get_framework("eu-ai-act")
    assert act.get("Art. 14").title == "Human oversight"
    assert act.get("Art. 14").parent == "Chapter III"
    assert act.get("Annex IV").kind == "annex"


def test_crosswalks_cover_every_iso42001_requirement_and_control():
    iso = get_framework("iso42001")
    mapped_kinds = {item.id for item in iso.of_kind("requirement", "control")}
    crosswalks = builtin_crosswalks()
    assert {(cw.source_framework, cw.target_framework) for cw in crosswalks} == {
        ("iso42001", target) for target in ("nist-ai-rmf", "eu-ai-act", "iso27001", "soc2")
    }
    for crosswalk in crosswalks:
        covered = {m.source_id for m in crosswalk} | {u.source_id for u in crosswalk.unmapped}
        assert covered == mapped_kinds, crosswalk.id


def test_every_crosswalk_mapping_target_exists():
    frameworks = builtin_frameworks()
    for crosswalk in builtin_crosswalks():
        for mapping in crosswalk:
            assert mapping.source_id in frameworks[mapping.source_framework], mapping
            assert mapping.target_id in frameworks[mapping.target_framework], mapping
            assert mapping.relation in RELATIONS and mapping.basis in BASES
            assert mapping.source in crosswalk.sources


def test_crosswalk_pair_counts_match_the_reviewed_reference():
    bases = {cw.target_framework: Counter(m.basis for m in cw) for cw in builtin_crosswalks()}
    assert sum(bases["nist-ai-rmf"].values()) == 157
    assert bases["nist-ai-rmf"]["published"] == 24
    assert bases["eu-ai-act"] == {"judgement": 112}
    assert bases["iso27001"]["judgement"] == 90
    assert bases["soc2"]["judgement"] == 67


def test_eu_ai_act_pairs_keep_the_paragraph_as_locator():
    pairs = get_crosswalk("iso42001", "eu-ai-act").mappings
    assert any(m.source_id == "5.1" and m.target_id == "Art. 17" and m.locator == "(1)(m)" for m in pairs)


def test_mappings_for_an_iso_control_reaches_every_target_framework():
    mappings = mappings_for("iso42001", "A.6.2.4")
    assert {m.target_framework for m in mappings} == {"nist-ai-rmf", "eu-ai-act", "iso27001", "soc2"}
    assert all(isinstance(m, Mapping) and m.source_id == "A.6.2.4" for m in mappings)


def test_mappings_for_works_from_the_target_side_and_filters_by_basis():
    mappings = mappings_for("nist-ai-rmf", "GOVERN 1.1")
    assert ("iso42001", "4.1") in {m.other_side("nist-ai-rmf", "GOVERN 1.1") for m in mappings}
    published = mappings_for("nist-ai-rmf", "GOVERN 1.1", basis={"published"})
    assert published and {m.source for m in published} == {"MSNIST"}
    assert not mappings_for("iso42001", "4.3", basis={"derived"}, crosswalks=[get_crosswalk("iso42001", "eu-ai-act")])


def test_lookups_of_unknown_names_say_what_is_known():
    with pytest.raises(KeyError, match="known"):
        get_framework("iso9001")
    with pytest.raises(KeyError, match="A.99"):
        mappings_for("iso42001", "A.99")
    with pytest.raises(KeyError, match="no crosswalk"):
        get_crosswalk("soc2", "iso42001")
    with pytest.raises(KeyError, match="iso42001: no item 'Z'"):
        get_framework("iso42001").get("Z")


def test_framework_navigation(iso):
    assert [item.id for item in iso.ancestors("A.6.2.4")] == ["A.6.2", "A.6", "A"]
    assert "A.6.2.4" in iso and "A.6.2.9" not in iso
    assert len(iso) == len(list(iso))


def test_schema_readme_documents_every_field():
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    for field in dataclasses.fields(Item):
        assert f"`{field.name}`" in readme, field.name
    for name in ("source_id", "target_id", "relation", "basis", "source", "locator", "note"):
        assert f"`{name}`" in readme, name
    for word in (*BASES, *RELATIONS):
        assert word in readme


def test_package_docstring_examples_run():
    import doctest

    import openaims.catalog

    assert doctest.testmod(openaims.catalog).failed == 0


def test_iso_paraphrases_avoid_the_standards_normative_voice():
    # A cheap guard against pasted ISO text: ISO requirements are written with "shall"; our paraphrases are not.
    for framework_id in ("iso42001", "iso27001"):
        for item in get_framework(framework_id):
            for text in (item.summary, item.evidence):
                assert not re.search(r"\bshall\b", text, re.IGNORECASE), (framework_id, item.id)
