"""The rules: from checked answers to tier, legal basis, obligations per role and rationale.

Order of the tests follows the Regulation: is it an AI system (Art. 3(1)), is it in scope (Art. 2), is it a
general-purpose AI model (Chapter V), a prohibited practice (Art. 5), high-risk (Art. 6(1) with Annex I,
Art. 6(2) with Annex III, less the Art. 6(3) exceptions), which transparency duties apply (Art. 50), and finally
the open-source exclusion of Art. 2(12), which only holds for what is none of prohibited, high-risk or Art. 50.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from openaims.classify._questions import Obligation, Question, Questionnaire, questionnaire
from openaims.classify._refs import LegalRef, parse_citation
from openaims.classify._result import Basis, Classification, Tier

__all__ = ["GPAI_SYSTEMIC_RISK_FLOP", "classify"]

#: Training compute from which a general-purpose AI model is presumed to have high-impact capabilities (Art. 51(2)).
GPAI_SYSTEMIC_RISK_FLOP = 10**25  # an int: compared exactly with int and float answers alike
ROLE_ORDER = ("provider", "deployer", "importer", "distributor")

# Which obligations of the catalogue each role carries for a high-risk system, in the Regulation's order.
_PROVIDER_HIGH_RISK = (
    "hr_risk_management",
    "hr_data_governance",
    "hr_technical_documentation",
    "hr_record_keeping",
    "hr_instructions",
    "hr_human_oversight",
    "hr_accuracy_robustness",
    "hr_provider_duties",
    "hr_qms",
    "hr_documentation_keeping",
    "hr_logs_keeping",
    "hr_corrective_actions",
    "hr_cooperation",
)
_DEPLOYER_HIGH_RISK = (
    "dep_use_per_instructions",
    "dep_oversight_staff",
    "dep_input_data",
    "dep_monitoring",
    "dep_logs",
)
_TRANSPARENCY_DUTIES = {
    # Art. 50 case → (role that carries it, obligation id)
    "t50_1_interacts_with_people": ("provider", "t_inform_interaction"),
    "t50_2_synthetic_content": ("provider", "t_mark_synthetic"),
    "t50_3_emotion_or_biometric_categorisation": ("deployer", "t_inform_emotion"),
    "t50_4_deep_fake": ("deployer", "t_disclose_deep_fake"),
    "t50_4_public_interest_text": ("deployer", "t_disclose_text"),
}
_EXCLUSIONS = {
    "excl_military": "Only military, defence or national-security use is excluded; any civilian or law-enforcement "
    "use of the same system falls under the Act.",
    "excl_third_country_cooperation": "The exclusion holds only while the cooperation framework gives adequate "
    "safeguards for fundamental rights.",
    "excl_scientific_research": "Once the system or model is used for anything other than research, the Act applies.",
    "excl_pre_market_rnd": "Testing in real-world conditions is not covered by this exclusion (Arts. 57 to 61); "
    "the Act applies once the system is placed on the market or put into service.",
}


def _ref(citation: str) -> tuple[LegalRef, ...]:
    return parse_citation(citation)


class _Run:
    """One classification in progress: the answers in effect, and what has been concluded so far."""

    def __init__(self, q: Questionnaire, answers: Mapping[str, Any]):
        self.q = q
        given = q.validate(answers)
        # An answer counts only when its question is asked, given the answers before it; others take the default.
        self.a: dict[str, Any] = {}
        ignored = []
        for question in q.questions.values():
            asked = q.is_asked(question, self.a)
            self.a[question.id] = given[question.id] if asked else question.default
            if not asked and question.id in answers and answers[question.id] != question.default:
                ignored.append(question.id)
        self.roles = tuple(r for r in ROLE_ORDER if r in self.a["roles"])
        self.basis: list[Basis] = []
        self.transparency: list[Basis] = []
        self.obligations: list[Obligation] = []
        self.rationale: list[str] = []
        self.notes: list[str] = []
        self.sectoral_only = False
        if ignored:
            self.notes.append(f"Answers that do not apply to this case were ignored: {', '.join(ignored)}.")

    # -- helpers -------------------------------------------------------------------------------------------------

    def question(self, question_id: str) -> Question:
        return self.q.questions[question_id]

    def yes(self, question_id: str) -> bool:
        return self.a.get(question_id) is True

    def hits(self, effect: str) -> list[Question]:
        return [q for q in self.q.questions.values() if q.effect == effect and self.yes(q.id)]

    def because(self, question: Question, consequence: str) -> None:
        self.rationale.append(f"{question.text.rstrip('.')} → {question.citation}: {consequence}")

    def oblige(self, role: str, *obligation_ids: str, date_group: str | None = None) -> None:
        for obligation_id in obligation_ids:
            obligation = self.q.obligation(obligation_id, role)
            if date_group:
                obligation = dataclasses.replace(obligation, applies_from=self.q.applies_from[date_group]["date"])
            if not any(o.id == obligation.id and o.role == role for o in self.obligations):
                self.obligations.append(obligation)

    def result(self, tier: Tier, **extra) -> Classification:
        by_role = sorted(self.obligations, key=lambda o: ROLE_ORDER.index(o.role) if o.role in ROLE_ORDER else 9)
        return Classification(
            tier=tier,
            roles=self.roles,
            basis=tuple(self.basis),
            transparency=tuple(self.transparency),
            obligations=tuple(by_role),
            rationale=tuple(self.rationale),
            notes=tuple(self.notes),
            questionnaire_version=self.q.version,
            subject=self.a["subject"],
            **extra,
        )

    # -- the rules -----------------------------------------------------------------------------------------------

    def out_of_scope(self) -> Classification | None:
        """Art. 3(1) (not an AI system) and the Art. 2 exclusions; None when the Act applies."""
        if self.a["subject"] == "ai_system" and not self.a["meets_ai_definition"]:
            question = self.question("meets_ai_definition")
            self.basis.append(Basis(_ref("Art. 3(1)"), "Not an AI system as the Regulation defines it.", "exclusion"))
            self.rationale.append(f"Not: {question.text} → Art. 3(1): the Regulation does not apply.")
            return self.result(Tier.OUT_OF_SCOPE)
        if not self.a["eu_nexus"]:
            self.basis.append(Basis(_ref("Art. 2(1)"), "No link to the EU market or to use in the EU.", "exclusion"))
            self.rationale.append("Not placed on the EU market, used in the EU, or producing output used in the EU.")
            return self.result(Tier.OUT_OF_SCOPE)
        for question_id, caveat in _EXCLUSIONS.items():
            if self.yes(question_id):
                question = self.question(question_id)
                self.basis.append(Basis(question.refs, "Excluded from the Regulation.", "exclusion"))
                self.because(question, "excluded from the Regulation.")
                self.notes.append(caveat)
        if self.basis:
            return self.result(Tier.OUT_OF_SCOPE)
        if self.yes("excl_personal_use"):
            question = self.question("excl_personal_use")
            if self.roles == ("deployer",):
                reason = "Deployer obligations do not apply to personal use."
                self.basis.append(Basis(question.refs, reason, "exclusion"))
                self.because(question, "deployer obligations do not apply.")
                return self.result(Tier.OUT_OF_SCOPE)
            self.notes.append(
                "Art. 2(10) removes only the duties of a deployer using the system for personal, non-professional "
                "purposes; your other roles keep theirs."
            )
            self.roles = tuple(r for r in self.roles if r != "deployer")
        return None

    def gpai(self) -> Classification:
        """Chapter V: general-purpose AI models, with and without systemic risk."""
        a = self.a
        self.basis.append(
            Basis(_ref("Art. 53(1)"), "General-purpose AI model: the obligations of Chapter V apply to its provider.")
        )
        self.rationale.append("The subject is a general-purpose AI model → Chapter V (Arts. 51 to 56).")
        systemic = []
        if a["gpai_training_compute_flop"] >= GPAI_SYSTEMIC_RISK_FLOP:
            systemic.append(
                Basis(
                    _ref("Art. 51(1)(a) + Art. 51(2)"),
                    f"Trained with {a['gpai_training_compute_flop']:.3g} FLOP, at or above 10^25: high-impact "
                    "capabilities are presumed",
                    "systemic_risk",
                )
            )
            self.notes.append(
                "The provider may argue that the model, although above the threshold, has no systemic risk "
                "(Art. 52(2)); it keeps the classification unless the Commission accepts the arguments."
            )
        if self.yes("gpai_high_impact_capabilities"):
            systemic.append(
                Basis(_ref("Art. 51(1)(a)"), "Evaluated to have high-impact capabilities.", "systemic_risk")
            )
        if self.yes("gpai_commission_designated"):
            systemic.append(
                Basis(_ref("Art. 51(1)(b)"), "Designated by the Commission (Annex XIII criteria).", "systemic_risk")
            )
        for basis in systemic:
            self.rationale.append(f"{basis.reason} → {basis.citation}: general-purpose AI model with systemic risk.")
        self.basis.extend(systemic)
        open_source = self.yes("gpai_open_source")
        exempt = open_source and not systemic
        if exempt:
            self.basis.append(
                Basis(
                    _ref("Art. 53(2) + Art. 54(6)"),
                    "Free and open-source model without systemic risk: exempt from Art. 53(1)(a)-(b) and Art. 54.",
                    "derogation",
                )
            )
            self.rationale.append(
                "Released under a free and open-source licence with public weights → Art. 53(2): technical "
                "documentation and downstream information duties do not apply."
            )
        elif open_source:
            self.notes.append("The open-source exemption of Art. 53(2) does not apply to models with systemic risk.")
        if "provider" in self.roles:
            if not exempt:
                self.oblige("provider", "gpai_documentation", "gpai_downstream_information")
            self.oblige("provider", "gpai_copyright", "gpai_training_summary")
            if self.a["established_outside_eu"] and not exempt:
                self.oblige("provider", "gpai_authorised_representative")
            if systemic:
                self.oblige("provider", "gpai_notify", "gpai_evaluation", "gpai_systemic_risk", "gpai_incidents")
                self.oblige("provider", "gpai_cybersecurity")
        else:
            self.notes.append(
                "Chapter V duties rest on the model's provider. If you build an AI system on this model, classify that "
                "AI system separately; the provider owes you the information of Annex XII."
            )
        if note := self.q.applies_from["gpai"].get("note"):
            self.notes.append(note)
        return self.result(Tier.GPAI_MODEL, systemic_risk=bool(systemic))

    def prohibited(self) -> bool:
        """Art. 5(1): every practice that applies, with the law-enforcement exception of Art. 5(1)(h) and 5(2)."""
        found = False
        for question in self.hits("prohibited"):
            if question.id == "p5_1_h_realtime_rbi_law_enforcement" and self.yes("p5_1_h_authorised_exception"):
                continue
            self.basis.append(Basis(question.refs, "Prohibited practice."))
            self.because(question, "prohibited practice.")
            found = True
        if found:
            for role in self.roles:
                self.oblige(role, "prohibited_stop", "prohibited_penalty")
        return found

    def high_risk(self) -> bool:
        """Art. 6(1) with Annex I, Art. 6(2) with Annex III, the Art. 6(3) exceptions and the profiling rule."""
        annex_i = self._annex_i()
        annex_iii = self.hits("annex_iii")
        rbi_exception = self.yes("p5_1_h_realtime_rbi_law_enforcement") and self.yes("p5_1_h_authorised_exception")
        if rbi_exception:
            self.basis.append(
                Basis(
                    _ref("Art. 6(2) + Annex III point 1(a) + Art. 5(2)"),
                    "Real-time remote biometric identification for law enforcement under the Art. 5(1)(h) exception: "
                    "high-risk, and each use needs prior authorisation.",
                )
            )
            self.rationale.append(
                "Real-time remote biometric identification for law enforcement, only for the listed objectives with "
                "prior authorisation → Art. 5(1)(h) exception; high-risk under Annex III point 1(a)."
            )
        annex_iii_high = bool(annex_iii)
        if annex_iii:
            exceptions = self.hits("exception")
            if self.yes("profiling"):
                self.because(
                    self.question("profiling"),
                    "the system profiles natural persons, so it is high-risk whatever its task.",
                )
                if exceptions:
                    self.notes.append(
                        "The Art. 6(3) exceptions you selected do not apply because the system profiles natural "
                        "persons."
                    )
            elif exceptions:
                annex_iii_high = False
                for question in exceptions:
                    self.because(question, "no significant risk of harm; not high-risk despite Annex III.")
                points = ", ".join(q.citation.removeprefix("Annex III ") for q in annex_iii)
                self.basis.append(
                    Basis(
                        tuple(r for q in exceptions for r in q.refs) + _ref("Art. 6(4)"),
                        f"Annex III {points} purpose, but an Art. 6(3) condition holds and no profiling: "
                        "not high-risk.",
                        "derogation",
                    )
                )
                if "provider" in self.roles:
                    self.oblige("provider", "derogation_documentation", "derogation_registration")
                self.notes.append(
                    "The Art. 6(3) exception is the provider's documented assessment; authorities may challenge it "
                    "(Art. 80). Keep the assessment with the system's evidence."
                )
        if annex_iii_high:
            for question in annex_iii:
                self.basis.append(Basis(_ref("Art. 6(2)") + question.refs, "High-risk use listed in Annex III."))
                self.because(question, "high-risk.")
        high = bool(annex_i) or annex_iii_high or rbi_exception
        if high:
            self._high_risk_obligations(annex_i, annex_iii if annex_iii_high else [], rbi_exception)
        return high

    def _annex_i(self) -> str:
        """``"A"`` or ``"B"`` (the Annex I section) when Art. 6(1) makes the system high-risk, else ``""``."""
        if not self.yes("annex_i_product"):
            return ""
        legislation = self.question("annex_i_legislation")
        value = self.a["annex_i_legislation"]
        label = dict(legislation.choices)[value]
        if not self.yes("annex_i_third_party_assessment"):
            self.rationale.append(
                f"Product under {label}, but without third-party conformity assessment → Art. 6(1)(b) not met: "
                "not high-risk on that ground."
            )
            return ""
        section, point = value[0].upper(), value[1:].split("_", 1)[0]
        refs = _ref(f"Art. 6(1) + Annex I Section {section} point {point}")
        self.basis.append(Basis(refs, f"Product or safety component under {label}, with third-party assessment."))
        self.rationale.append(
            f"Product or safety component under {label} needing third-party conformity assessment → "
            f"{' + '.join(r.citation for r in refs)}: high-risk."
        )
        return section

    def _high_risk_obligations(self, annex_i: str, annex_iii: list[Question], rbi_exception: bool) -> None:
        annex_iii_path = bool(annex_iii) or rbi_exception
        full_annex_i = annex_i == "A"
        if annex_i == "B" and not annex_iii_path:
            # Art. 2(2): for Annex I Section B products only Art. 6(1), Arts. 102-109 and Art. 112 apply.
            self.sectoral_only = True
            if "provider" in self.roles:
                self.oblige("provider", "hr_sectoral_only", date_group="high_risk_annex_i")
            self.notes.append(
                "Annex I Section B products: the AI requirements apply through the sectoral type-approval rules as "
                "amended by Arts. 102 to 109, not through Chapter III directly."
            )
            return
        date_group = "high_risk_annex_iii" if annex_iii_path else "high_risk_annex_i"
        points = {q.id for q in annex_iii}
        only_critical_infrastructure = points == {"a3_2_critical_infrastructure"} and not rbi_exception
        if "provider" in self.roles:
            self.oblige("provider", *_PROVIDER_HIGH_RISK, date_group=date_group)
            if self.a["established_outside_eu"]:
                self.oblige("provider", "hr_authorised_representative", date_group=date_group)
            if full_annex_i:
                self.oblige("provider", "hr_conformity_assessment_annex_i", date_group="high_risk_annex_i")
            if annex_iii_path:
                self.oblige("provider", "hr_conformity_assessment", date_group=date_group)
            self.oblige("provider", "hr_declaration", "hr_ce_marking", date_group=date_group)
            if annex_iii_path:
                registration = "hr_registration_national" if only_critical_infrastructure else "hr_registration"
                self.oblige("provider", registration, date_group=date_group)
            self.oblige("provider", "hr_post_market_monitoring", "hr_serious_incidents", date_group=date_group)
        if "deployer" in self.roles:
            self._deployer_obligations(points, annex_iii_path, rbi_exception, date_group)
        areas = {p.split("_", 2)[1][0] for p in points} | ({"1"} if rbi_exception else set())
        if "1" in areas and "provider" in self.roles:
            self.notes.append(
                "Biometric systems (Annex III point 1) need a notified body (Annex VII) unless harmonised standards or "
                "common specifications are applied in full (Art. 43(1))."
            )
        if areas & {"1", "6", "7"}:
            self.notes.append(
                "Used for law enforcement, migration, asylum or border control, systems of Annex III points 1, 6 and 7 "
                "are registered in the secure, non-public part of the EU database (Art. 49(4))."
            )
        if "importer" in self.roles:
            self.oblige("importer", "importer_duties", date_group=date_group)
        if "distributor" in self.roles:
            self.oblige("distributor", "distributor_duties", date_group=date_group)

    def _deployer_obligations(self, points: set[str], annex_iii_path: bool, rbi: bool, date_group: str) -> None:
        self.oblige("deployer", *_DEPLOYER_HIGH_RISK, date_group=date_group)
        employment = any(p.startswith("a3_4") for p in points)
        if self.yes("deployer_workplace") or employment:
            self.oblige("deployer", "dep_workers", date_group=date_group)
        beyond_infrastructure = bool(points - {"a3_2_critical_infrastructure"}) or rbi
        if beyond_infrastructure and self.yes("deployer_public_body"):
            self.oblige("deployer", "dep_public_registration", date_group=date_group)
        self.oblige("deployer", "dep_dpia", date_group=date_group)
        if "a3_1a_remote_biometric_identification" in points:
            self.oblige("deployer", "dep_post_rbi", date_group=date_group)
        if annex_iii_path:
            self.oblige("deployer", "dep_inform_persons", date_group=date_group)
        self.oblige("deployer", "dep_cooperation", date_group=date_group)
        public = self.yes("deployer_public_body") or self.yes("deployer_public_service")
        credit_or_insurance = points & {"a3_5b_creditworthiness", "a3_5c_life_health_insurance"}
        if (beyond_infrastructure and public) or credit_or_insurance:
            self.oblige("deployer", "dep_fria", date_group=date_group)
            why = "a public body or public-service provider" if public else "using it for credit scoring or insurance"
            self.rationale.append(f"Deployer {why} → Art. 27: fundamental-rights impact assessment before first use.")
        if beyond_infrastructure:
            self.oblige("deployer", "dep_explanation", date_group=date_group)
        if rbi:
            self.oblige("deployer", "rbi_authorisation", "rbi_notify")
        self.notes.append(
            "A deployer who puts its name or trademark on the system, modifies it substantially or changes its "
            "intended purpose becomes its provider (Art. 25(1))."
        )

    def transparency_cases(self) -> None:
        """Art. 50: what people must be told, whatever the tier; duties go to the role the article names."""
        cases = []
        for question in self.hits("transparency"):
            if question.id == "t50_2_synthetic_content" and self.yes("t50_2_editing_only"):
                self.notes.append("Art. 50(2) marking does not apply: the system only assists standard editing.")
                continue
            if question.id == "t50_4_public_interest_text" and self.yes("t50_4_editorial_control"):
                self.notes.append("Art. 50(4) text disclosure does not apply: a person holds editorial responsibility.")
                continue
            cases.append(question)
        biometric = ("a3_1b_biometric_categorisation", "a3_1c_emotion_recognition")
        emotion_points = [q for q in self.hits("annex_iii") if q.id in biometric]
        if emotion_points and not self.yes("t50_3_emotion_or_biometric_categorisation"):
            question = self.question("t50_3_emotion_or_biometric_categorisation")
            cases.append(question)
            self.notes.append(f"Art. 50(3) follows from the {emotion_points[0].citation} purpose you selected.")
        order = list(_TRANSPARENCY_DUTIES)
        for question in sorted(cases, key=lambda q: order.index(q.id)):
            role, obligation_id = _TRANSPARENCY_DUTIES[question.id]
            self.transparency.append(Basis(question.refs, self.q.obligations[obligation_id].text, "transparency"))
            self.because(question, f"transparency duty of the {role}.")
            if role in self.roles:
                self.oblige(role, obligation_id)
            else:
                self.notes.append(
                    f"The {question.citation} duty rests on the {role}; help them meet it (e.g. in the instructions)."
                )

    def run(self) -> Classification:
        if (done := self.out_of_scope()) is not None:
            return done
        if self.a["subject"] == "gpai_model":
            return self.gpai()
        if self.prohibited():
            return self.result(Tier.PROHIBITED)
        high = self.high_risk()
        derogation = any(b.kind == "derogation" for b in self.basis)
        self.transparency_cases()
        if high:
            tier = Tier.HIGH_RISK
        elif self.transparency:
            tier = Tier.LIMITED_RISK
        else:
            tier = Tier.MINIMAL
        if self.yes("free_open_source") and tier == Tier.MINIMAL:
            question = self.question("free_open_source")
            self.basis.insert(
                0,
                Basis(
                    question.refs,
                    "Free and open-source, and neither prohibited, high-risk nor subject to Art. 50.",
                    "exclusion",
                ),
            )
            self.because(question, "excluded, as it is not prohibited, high-risk or subject to Art. 50.")
            self.obligations.clear()
            return self.result(Tier.OUT_OF_SCOPE, art_6_3_derogation=derogation)
        if tier == Tier.MINIMAL and not derogation:
            self.basis.append(
                Basis(_ref("Art. 95"), "None of Art. 5, Art. 6 or Art. 50 applies: no specific obligations.")
            )
            self.rationale.append(
                "No prohibited practice, high-risk use or transparency case was selected → minimal risk."
            )
        elif tier == Tier.LIMITED_RISK:
            refs = tuple(r for b in self.transparency for r in b.refs)
            self.basis.insert(0, Basis(refs, "Transparency obligations."))
        for role in ("deployer", "provider"):
            if role in self.roles and not self.sectoral_only:
                self.obligations.insert(0, self.q.obligation("literacy", role))
        if tier == Tier.MINIMAL:
            for role in ("provider", "deployer"):
                if role in self.roles:
                    self.oblige(role, "voluntary_codes")
        return self.result(tier, art_6_3_derogation=derogation)


def classify(answers: Mapping[str, Any], *, using: Questionnaire | None = None) -> Classification:
    """Classify an AI system or general-purpose AI model under the EU AI Act from questionnaire answers.

    Parameters
    ----------
    answers
        ``{question id: answer}``; unanswered questions take their defaults (``roles`` is required).
    using
        Another questionnaire than the built-in one (tests).

    Returns
    -------
    Classification
        Tier, legal basis, transparency cases, obligations per role, rationale and notes.

    Raises
    ------
    AnswerError
        An unknown question id, an answer of the wrong type, or a missing required answer, each named.
    """
    return _Run(using or questionnaire(), answers).run()
