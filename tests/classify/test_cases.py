"""Realistic cases with their expected tier and legal basis (cases.yaml), and what every result must hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from openaims.classify import Tier, classify

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text(encoding="utf-8"))


def _obligations(result) -> set[str]:
    return {f"{o.role}: {o.citation}" for o in result.obligations}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case):
    result = classify(case["answers"])
    expect = case["expect"]
    assert result.tier == Tier(expect["tier"]), result.summary
    for citation in expect.get("citations", []):
        assert citation in result.citations, (citation, result.citations)
    obligations = _obligations(result)
    assert set(expect.get("obligations", [])) <= obligations, sorted(obligations)
    assert not set(expect.get("not_obligations", [])) & obligations, sorted(obligations)
    if "systemic_risk" in expect:
        assert result.systemic_risk is expect["systemic_risk"]
    if "derogation" in expect:
        assert result.art_6_3_derogation is expect["derogation"]
    # Every result explains itself and survives a JSON round trip.
    assert result.rationale and result.summary
    assert json.loads(json.dumps(result.to_dict()))["tier"] == expect["tier"]


def _tested(prefix: str) -> set[str]:
    return {key for case in CASES for key, value in case["answers"].items() if key.startswith(prefix) and value}


def test_the_cases_cover_every_prohibited_practice_and_annex_iii_point():
    from openaims.classify import questionnaire

    questions = questionnaire().questions
    assert {q for q in questions if questions[q].effect == "prohibited"} <= _tested("p5_1_")
    assert {q for q in questions if questions[q].effect == "annex_iii"} <= _tested("a3_")
    assert {q for q in questions if questions[q].effect == "exception"} <= _tested("exc_")
    assert {q for q in questions if questions[q].effect == "transparency"} - {
        "t50_3_emotion_or_biometric_categorisation"
    } <= _tested("t50_")
    assert {t.value for t in Tier} == {c["expect"]["tier"] for c in CASES}
    assert len(CASES) >= 30


def test_high_risk_with_transparency_reports_both():
    result = classify({"roles": ["provider"], "a3_4a_recruitment": True, "t50_1_interacts_with_people": True})
    assert result.tier == Tier.HIGH_RISK
    assert [b.citation for b in result.transparency] == ["Art. 50(1)"]
    assert "transparency duties (Art. 50(1))" in result.summary
    assert {"Art. 9", "Art. 50(1)"} <= {o.citation for o in result.obligations_for("provider")}


def test_obligation_dates_follow_article_113():
    annex_iii = classify({"roles": ["provider"], "a3_5d_emergency_triage": True})
    assert {o.applies_from for o in annex_iii.obligations if o.citation == "Art. 9"} == {"2026-08-02"}
    assert {o.applies_from for o in annex_iii.obligations if o.citation == "Art. 4"} == {"2025-02-02"}
    annex_i = classify(
        {
            "roles": ["provider"],
            "annex_i_product": True,
            "annex_i_legislation": "a2_toys",
            "annex_i_third_party_assessment": True,
        }
    )
    assert {o.applies_from for o in annex_i.obligations if o.citation == "Art. 9"} == {"2027-08-02"}
    model = classify({"roles": ["provider"], "subject": "gpai_model"})
    assert {o.applies_from for o in model.obligations} == {"2025-08-02"}


def test_legal_references_are_structured():
    result = classify({"roles": ["deployer"], "a3_4a_recruitment": True})
    refs = [r.to_dict() for r in result.basis[0].refs]
    assert refs == [
        {"article": 6, "paragraph": 2, "citation": "Art. 6(2)"},
        {"annex": "III", "annex_point": "4(a)", "citation": "Annex III point 4(a)"},
    ]
    prohibited = classify({"roles": ["provider"], "p5_1_c_social_scoring": True})
    assert prohibited.basis[0].refs[0].to_dict() == {
        "article": 5,
        "paragraph": 1,
        "point": "c",
        "citation": "Art. 5(1)(c)",
    }


def test_rationale_is_built_from_the_answers():
    result = classify({"roles": ["deployer"], "a3_5b_creditworthiness": True, "profiling": True})
    text = " ".join(result.rationale)
    assert "creditworthiness" in text and "Annex III point 5(b)" in text and "profiles natural persons" in text


def test_answers_outside_the_case_are_ignored_with_a_note():
    result = classify({"roles": ["provider"], "subject": "gpai_model", "p5_1_a_manipulation": True})
    assert result.tier == Tier.GPAI_MODEL
    assert any("p5_1_a_manipulation" in note for note in result.notes)
