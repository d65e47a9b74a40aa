"""The questionnaire data, the validation of answers, and properties of the rules (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openaims.classify import AnswerError, Tier, classify, load_questionnaire, parse_citation, questionnaire
from openaims.classify._questions import DATA_FILE

Q = questionnaire()
BOOLEANS = [q.id for q in Q.questions.values() if q.type == "boolean"]
PROHIBITED = [
    q.id for q in Q.questions.values() if q.effect == "prohibited" and q.id != "p5_1_h_realtime_rbi_law_enforcement"
]
ANNEX_III = [q.id for q in Q.questions.values() if q.effect == "annex_iii"]
EXCLUSIONS = ["excl_military", "excl_third_country_cooperation", "excl_scientific_research", "excl_pre_market_rnd"]
IN_SCOPE = {"meets_ai_definition": True, "eu_nexus": True, "free_open_source": False, "excl_personal_use": False}
IN_SCOPE |= dict.fromkeys(EXCLUSIONS, False)


def test_the_questionnaire_covers_every_article_5_letter_and_annex_iii_point():
    letters = {r.point for q in Q.questions.values() if q.effect == "prohibited" for r in q.refs}
    assert letters == set("abcdefgh")
    points = {r.annex_point for q in Q.questions.values() if q.effect == "annex_iii" for r in q.refs}
    assert points == {
        "1(a)",
        "1(b)",
        "1(c)",
        "2",
        "3(a)",
        "3(b)",
        "3(c)",
        "3(d)",
        "4(a)",
        "4(b)",
        "5(a)",
        "5(b)",
        "5(c)",
        "5(d)",
        "6(a)",
        "6(b)",
        "6(c)",
        "6(d)",
        "6(e)",
        "7(a)",
        "7(b)",
        "7(c)",
        "7(d)",
        "8(a)",
        "8(b)",
    }
    exceptions = {r.point for q in Q.questions.values() if q.effect == "exception" for r in q.refs}
    assert exceptions == set("abcd")
    legislation = Q.questions["annex_i_legislation"].choice_values
    assert len(legislation) == 20 and legislation[10] == "a11_medical_devices"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Art. 5(1)(c)", "Art. 5(1)(c)"),
        ("Art. 6(2) + Annex III point 4(a)", "Art. 6(2) + Annex III point 4(a)"),
        ("Art. 50(4) second subparagraph", "Art. 50(4) second subparagraph"),
        ("Annex I Section B point 18", "Annex I Section B point 18"),
        ("Art. 4", "Art. 4"),
    ],
)
def test_citations_round_trip(text, expected):
    assert " + ".join(r.citation for r in parse_citation(text)) == expected


@pytest.mark.parametrize("text", ["Article 5", "Art. 5(1)(c", "Annex III point", "Art. 6 +", ""])
def test_bad_citations_are_refused(text):
    with pytest.raises(ValueError, match="citation"):
        parse_citation(text)


def test_a_broken_data_file_names_the_entry(tmp_path):
    broken = tmp_path / "q.yaml"
    broken.write_text(DATA_FILE.read_text(encoding="utf-8").replace('ref: "Art. 5(1)(c)"', 'ref: "Article five"'))
    with pytest.raises(ValueError, match="p5_1_c_social_scoring: ref"):
        load_questionnaire(broken)


@pytest.mark.parametrize(
    ("answers", "question", "message"),
    [
        ({"roles": ["provider"], "a3_9z_unknown": True}, "a3_9z_unknown", "unknown question"),
        ({"roles": ["provider"], "profiling": "yes"}, "profiling", "true or false"),
        ({"roles": ["provider"], "profiling": 1}, "profiling", "true or false"),
        ({"roles": "provider"}, "roles", "list"),
        ({"roles": ["provider", "seller"]}, "roles", "'seller'"),
        ({"roles": []}, "roles", "at least one"),
        ({}, "roles", "required"),
        ({"roles": ["provider"], "subject": "model"}, "subject", "ai_system, gpai_model"),
        ({"roles": ["provider"], "gpai_training_compute_flop": "1e25"}, "gpai_training_compute_flop", "number"),
        ({"roles": ["provider"], "gpai_training_compute_flop": -1}, "gpai_training_compute_flop", "zero or more"),
        ({"roles": ["provider"], "gpai_training_compute_flop": True}, "gpai_training_compute_flop", "number"),
        ({"roles": ["provider"], "gpai_training_compute_flop": float("inf")}, "gpai_training_compute_flop", "finite"),
    ],
)
def test_wrong_answers_name_the_question(answers, question, message):
    with pytest.raises(AnswerError) as caught:
        classify(answers)
    assert any(q == question and message in m for q, m in caught.value.errors), caught.value.errors
    assert question in str(caught.value)


def test_every_wrong_answer_is_reported_at_once():
    with pytest.raises(AnswerError) as caught:
        classify({"roles": ["provider"], "nope": 1, "profiling": "x", "subject": 3})
    assert [q for q, _ in caught.value.errors] == ["nope", "profiling", "subject"]


def test_answers_must_be_a_mapping():
    with pytest.raises(AnswerError, match="answers: must be a mapping"):
        classify(["roles"])  # type: ignore[arg-type]


roles = st.lists(st.sampled_from(["provider", "deployer", "importer", "distributor"]), min_size=1, unique=True)
other_answers = st.dictionaries(st.sampled_from(BOOLEANS), st.booleans())
relaxed = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@relaxed
@given(roles=roles, others=other_answers, practice=st.sampled_from(PROHIBITED))
def test_any_prohibited_practice_is_prohibited_whatever_else_is_answered(roles, others, practice):
    answers = {**others, **IN_SCOPE, "subject": "ai_system", "roles": roles, practice: True}
    result = classify(answers)
    assert result.tier == Tier.PROHIBITED
    assert Q.questions[practice].citation in result.citations
    assert all(o.citation in ("Art. 5(1)", "Art. 99(3)") for o in result.obligations)


@relaxed
@given(roles=roles, others=other_answers, point=st.sampled_from(ANNEX_III))
def test_profiling_in_an_annex_iii_area_is_high_risk_whatever_the_exceptions(roles, others, point):
    answers = {**others, **IN_SCOPE, "roles": roles, point: True, "profiling": True}
    answers |= {p: False for p in PROHIBITED + ["p5_1_h_realtime_rbi_law_enforcement"]}
    result = classify(answers)
    assert result.tier == Tier.HIGH_RISK
    assert f"Art. 6(2) + {Q.questions[point].citation}" in result.citations
    assert not result.art_6_3_derogation


@relaxed
@given(roles=roles, others=other_answers, exclusion=st.sampled_from(EXCLUSIONS))
def test_an_article_2_exclusion_puts_a_system_out_of_scope_whatever_else(roles, others, exclusion):
    answers = {**others, "subject": "ai_system", "meets_ai_definition": True, "eu_nexus": True, "roles": roles}
    result = classify({**answers, exclusion: True})
    assert result.tier == Tier.OUT_OF_SCOPE
    assert Q.questions[exclusion].citation in result.citations
    assert not result.obligations


@relaxed
@given(roles=roles, others=other_answers, flop=st.floats(min_value=0, max_value=1e30))
def test_a_gpai_model_is_never_an_ai_system_tier_and_systemic_risk_follows_the_threshold(roles, others, flop):
    answers = {**others, "subject": "gpai_model", "roles": roles, "gpai_training_compute_flop": flop}
    answers |= {"eu_nexus": True, "excl_scientific_research": False, "excl_pre_market_rnd": False}
    result = classify(answers)
    assert result.tier == Tier.GPAI_MODEL
    presumed = flop >= 10**25
    if presumed:
        assert result.systemic_risk
    if not (presumed or others.get("gpai_high_impact_capabilities") or others.get("gpai_commission_designated")):
        assert not result.systemic_risk
    if result.systemic_risk and "provider" in roles:
        assert "Art. 55(1)(a)" in {o.citation for o in result.obligations}


@relaxed
@given(answers=st.fixed_dictionaries({"roles": roles}, optional={b: st.booleans() for b in BOOLEANS}))
def test_every_result_is_complete_and_obligations_belong_to_the_roles(answers):
    result = classify(answers)
    assert result.basis, result
    assert result.rationale
    assert {o.role for o in result.obligations} <= set(result.roles)
    keys = [(o.role, o.id) for o in result.obligations]
    assert len(keys) == len(set(keys))
    if result.tier == Tier.HIGH_RISK and "provider" in result.roles and "Art. 2(2)" not in result.citations:
        assert "Art. 9" in {o.citation for o in result.obligations_for("provider")}
    assert result.to_dict()["tier"] == result.tier.value
