"""OSCAL import and export: our own fixture catalogs, round trips, and schema validity via trestle."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from trestle.oscal.catalog import Catalog

from openaims.catalog import (
    OPENAIMS_NS,
    CatalogError,
    Framework,
    Item,
    builtin_frameworks,
    export_oscal_catalog,
    get_framework,
    import_oscal_catalog,
    load_framework,
    oscal_id,
    write_oscal_catalog,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECURITY_CATALOG = FIXTURES / "security-catalog.json"
TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
STAMP = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def validated(document):
    """Validate an exported document with trestle's OSCAL catalog model, after a trip through JSON text."""
    text = json.dumps(document)
    return Catalog.model_validate(json.loads(text)["catalog"])


def walk_ids(node):
    """Yield every id in an OSCAL catalog tree."""
    for key in ("params", "groups", "controls", "parts"):
        for child in node.get(key, []):
            if "id" in child:
                yield child["id"]
            yield from walk_ids(child)


@pytest.mark.parametrize(
    ("item_id", "expected"),
    [
        ("A.6.2.4", "A.6.2.4"),
        ("CC1.1", "CC1.1"),
        ("4.1", "s4.1"),
        ("10", "s10"),
        ("GOVERN 1.1", "GOVERN-1.1"),
        ("Art. 9", "Art-9"),
        ("Annex IV", "Annex-IV"),
        ("Art. 17(1)(m)", "Art-17-1-m"),
        ("-x-", "x"),
        ("()", "x"),
    ],
)
def test_oscal_id_is_a_deterministic_token(item_id, expected):
    assert oscal_id(item_id) == expected
    assert TOKEN.match(oscal_id(item_id))


@pytest.mark.parametrize("framework_id", sorted(builtin_frameworks()))
def test_every_builtin_export_is_a_valid_oscal_catalog(framework_id):
    framework = get_framework(framework_id)
    document = export_oscal_catalog(framework, last_modified=STAMP)
    catalog = validated(document)
    assert catalog.metadata.title == framework.name
    assert catalog.metadata.version == framework.version
    assert document["catalog"]["metadata"]["oscal-version"] == "1.1.2"
    assert len(catalog.groups or []) == len(document["catalog"].get("groups", []))
    ids = list(walk_ids(document["catalog"]))
    assert len(ids) == len(set(ids)) and all(TOKEN.match(i) for i in ids)


@pytest.mark.parametrize("framework_id", sorted(builtin_frameworks()))
def test_round_trip_yaml_to_oscal_and_back_keeps_ids_titles_and_structure(framework_id):
    framework = get_framework(framework_id)
    document = json.loads(json.dumps(export_oscal_catalog(framework)))
    back = import_oscal_catalog(document)
    assert [(i.id, i.title) for i in back] == [(i.id, i.title) for i in framework]
    assert back == framework  # kinds, parents, guidance ids, summaries, evidence, props and metadata too


def test_round_trip_through_files(tmp_path):
    path = write_oscal_catalog(get_framework("iso42001"), tmp_path / "iso42001.json", last_modified=STAMP)
    Catalog.oscal_read(path)
    back = load_framework(path)
    assert back == get_framework("iso42001")
    assert back.get("A.6.2.4").guidance == "B.6.2.4"
    assert back.get("4.1").kind == "requirement"


def test_export_keeps_original_ids_in_our_namespace():
    document = export_oscal_catalog(get_framework("iso42001"))
    clause = document["catalog"]["groups"][0]
    assert clause["id"] == "s4" and clause["title"] == "Context of the organization"
    props = {(p["name"], p.get("ns")): p["value"] for p in clause["props"]}
    assert props[("original-id", OPENAIMS_NS)] == "4"
    assert props[("label", None)] == "4"
    assert props[("kind", OPENAIMS_NS)] == "clause"


def test_iso_heading_beside_requirements_becomes_a_control_holding_controls():
    document = export_oscal_catalog(get_framework("iso42001"))
    planning = next(g for g in document["catalog"]["groups"] if g["id"] == "s6")
    assert "groups" not in planning
    assert [c["id"] for c in planning["controls"]] == ["s6.1", "s6.2", "s6.3"]
    assert [c["id"] for c in planning["controls"][0]["controls"]] == ["s6.1.1", "s6.1.2", "s6.1.3", "s6.1.4"]


def test_export_is_deterministic_for_a_given_stamp():
    framework = get_framework("nist-ai-rmf")
    first = export_oscal_catalog(framework, last_modified=STAMP)
    second = export_oscal_catalog(framework, last_modified=datetime(2025, 6, 1, 12, 0))
    assert first == second
    assert first["catalog"]["metadata"]["last-modified"] == "2025-06-01T12:00:00+00:00"


def test_colliding_safe_ids_get_a_suffix():
    framework = Framework(
        id="clash",
        name="Clash",
        version="1",
        publisher="Test",
        items=(
            Item(id="G 1", kind="group", title="One"),
            Item(id="G.1", kind="control", title="Three", parent="G 1"),
            Item(id="G-1", kind="group", title="Two"),
        ),
    )
    document = export_oscal_catalog(framework)
    assert [g["id"] for g in document["catalog"]["groups"]] == ["G-1-2", "G-1"]
    validated(document)
    assert import_oscal_catalog(document) == framework


def test_nested_fixture_imports_groups_controls_enhancements_params_and_parts():
    framework = load_framework(FIXTURES / "nested-catalog.json")
    assert framework.id == "openaims-test-catalog-with-nested-groups"
    assert (framework.version, framework.publisher) == ("0.3", "Example Standards Body")
    kinds = {item.id: item.kind for item in framework}
    assert kinds["gov"] == kinds["gov.pol"] == "group"
    assert kinds["gov-1"] == kinds["top-1"] == "control"
    assert kinds["gov-1.1"] == kinds["gov-1.1.1"] == "control-enhancement"
    assert kinds["gov-1_prm_1"] == kinds["cat-prm-1"] == "parameter"
    assert kinds["gov-1_smt"] == kinds["gov-1_smt.a"] == "part"
    assert framework.get("gov.pol").parent == "gov"
    assert framework.get("gov-1.1.1").parent == "gov-1.1"
    assert framework.get("gov-1_smt.a").parent == "gov-1_smt"
    assert framework.get("cat-prm-1").parent is None


def test_nested_fixture_keeps_props_titles_and_prose():
    framework = load_framework(FIXTURES / "nested-catalog.json")
    control = framework.get("gov-1")
    assert control.props == {"label": "GOV-1", "sort-id": "gov-01"}  # the vendor-namespaced prop is dropped
    assert framework.get("gov").props == {"label": "GOV", "sort-id": "01"}
    assert framework.get("ops-1").props == {"status": "withdrawn"}
    parameter = framework.get("gov-1_prm_1")
    assert parameter.title == "approving body"
    assert parameter.summary == "Select (one): board; executive committee"
    assert framework.get("cat-prm-1").summary == "How often the catalog is reviewed."
    statement = framework.get("gov-1_smt")
    assert statement.title == "Statement" and statement.props["part-name"] == "statement"
    assert statement.summary.startswith("The {{ insert: param, gov-1_prm_1 }}")
    unnamed = [i for i in framework.children("gov-1_smt") if i.id != "gov-1_smt.a"]
    assert [(i.id, i.title) for i in unnamed] == [("gov-1_smt_item", "b.")]
    assert framework.get("gov_overview").summary == "Controls about who decides."


def test_nested_fixture_round_trips_through_export():
    framework = load_framework(FIXTURES / "nested-catalog.json")
    document = export_oscal_catalog(framework)
    validated(document)
    assert import_oscal_catalog(document) == framework


def test_nested_fixture_is_itself_valid_oscal():
    Catalog.oscal_read(FIXTURES / "nested-catalog.json")


@pytest.fixture(scope="module")
def security_catalog():
    return load_framework(SECURITY_CATALOG)


def test_security_fixture_is_itself_valid_oscal():
    catalog = Catalog.oscal_read(SECURITY_CATALOG)
    assert catalog.back_matter is not None and len(catalog.back_matter.resources) == 1


def test_security_catalog_import(security_catalog):
    assert security_catalog.name == "OpenAIMS sample security catalog"
    assert security_catalog.version == "1.1"
    assert security_catalog.publisher == "OpenAIMS test authors"
    assert security_catalog.url == "https://example.org/catalogs/sample-security"
    assert security_catalog.description.startswith("A small catalog written for the test suite")
    groups = [item.id for item in security_catalog.of_kind("group")]
    assert groups == ["ac", "ac.acct", "au", "au.rec"]
    controls = security_catalog.of_kind("control")
    assert [c.id for c in controls] == ["ac-1", "ac-2", "au-1", "au-2"]
    assert security_catalog.get("ac-1").title == "Who may approve access"
    assert security_catalog.get("ac-1").props == {"label": "AC-1", "sort-id": "ac-01"}
    assert security_catalog.get("ac").props == {"label": "AC"}
    assert security_catalog.get("ac.acct").parent == "ac"
    assert security_catalog.get("au-2").props == {"label": "AU-2", "status": "withdrawn"}
    enhancement = security_catalog.get("ac-2.1")
    assert (enhancement.kind, enhancement.parent) == ("control-enhancement", "ac-2")
    assert [p.id for p in security_catalog.of_kind("parameter")] == ["ac-1_prm_1", "ac-1_prm_2"]
    choice = security_catalog.get("ac-1_prm_1")
    assert choice.title == "lock trigger"
    assert choice.summary.startswith("Select (one-or-more): after {{ insert: param, ac-1_prm_2 }} without input")
    assert security_catalog.get("ac-1_gdn.2").parent == "ac-1_gdn"
    assert security_catalog.get("ac-1_gdn.2").summary == "Approvals are kept for a year."
    assert security_catalog.get("ac-1_inf").title == "More to read"  # a part's title from its label
    assert security_catalog.get("ac-1_smt").props["part-name"] == "statement"
    assert security_catalog.get("au.rec_smt").parent == "au.rec"  # a group's own part


def test_security_catalog_export_is_valid_and_round_trips(security_catalog):
    document = export_oscal_catalog(security_catalog)
    validated(document)
    assert import_oscal_catalog(document) == security_catalog


def test_our_yaml_format_imports_and_exports(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "id: mine\nname: My controls\nversion: '2.0'\npublisher: Us\nitems:\n"
        "- {id: '1', kind: clause, title: First}\n"
        "- {id: '1.1', kind: requirement, title: Do it, parent: '1', summary: Our words., props: {sort-id: '001'}}\n",
        encoding="utf-8",
    )
    framework = load_framework(path)
    document = export_oscal_catalog(framework)
    validated(document)
    (group,) = document["catalog"]["groups"]
    control = group["controls"][0]
    assert control["id"] == "s1.1"
    assert {"name": "sort-id", "value": "001"} in control["props"]
    assert control["parts"] == [{"name": "summary", "ns": OPENAIMS_NS, "prose": "Our words."}]
    assert import_oscal_catalog(document) == framework


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        ((Item(id="p", kind="part", title="Loose part"),), "a part needs a group or control as parent"),
        (
            (
                Item(id="c", kind="control", title="C"),
                Item(id="p", kind="part", title="P", parent="c"),
                Item(id="x", kind="control", title="X", parent="p"),
            ),
            "only parts can sit under a part",
        ),
        ((Item(id="c", kind="control", title="C", props={"kind": "x"}),), "prop name 'kind' is reserved"),
    ],
)
def test_frameworks_oscal_cannot_express_are_refused(items, fragment):
    framework = Framework(id="odd", name="Odd", version="1", publisher="Test", items=items, path="odd.yaml")
    with pytest.raises(CatalogError, match=re.escape(fragment)) as caught:
        export_oscal_catalog(framework)
    assert str(caught.value).startswith("odd.yaml: item ")
