"""Bad catalog files are refused with a message that names the file and the entry."""

import json
import textwrap

import pytest

from openaims.catalog import CatalogError, Framework, Item, load_crosswalk, load_framework

GOOD_FRAMEWORK = """\
id: tiny
name: Tiny framework
version: '1'
publisher: Test
items:
- {id: G, kind: group, title: Group}
- {id: G.1, kind: control, title: First control, parent: G}
- {id: G.2, kind: control, title: Second control, parent: G}
"""

CROSSWALK_HEAD = """\
id: tiny-to-tiny
source_framework: tiny
target_framework: tiny
sources:
  AIMS: {title: Our judgement}
mappings:
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path):
    return load_framework(write(tmp_path, "tiny.yaml", GOOD_FRAMEWORK))


def test_a_good_file_loads(tiny):
    assert isinstance(tiny, Framework)
    assert [item.id for item in tiny.children("G")] == ["G.1", "G.2"]
    assert tiny.path.endswith("tiny.yaml")


BAD_FRAMEWORKS = {
    "duplicate id": (
        GOOD_FRAMEWORK + "- {id: G.1, kind: control, title: Again, parent: G}\n",
        ["item 'G.1' (#4)", "duplicate id 'G.1'", "item #2"],
    ),
    "control without title": (
        GOOD_FRAMEWORK + "- {id: G.3, kind: control, parent: G}\n",
        ["item 'G.3' (#4)", "control 'G.3' has no title"],
    ),
    "blank title": (
        GOOD_FRAMEWORK + "- {id: G.3, kind: control, title: '  ', parent: G}\n",
        ["item 'G.3'", "has no title"],
    ),
    "unknown parent": (
        GOOD_FRAMEWORK + "- {id: H.1, kind: control, title: Orphan, parent: H}\n",
        ["item 'H.1' (#4)", "unknown parent 'H'"],
    ),
    "parent cycle": (
        GOOD_FRAMEWORK + "- {id: X, kind: group, title: X, parent: Y}\n- {id: Y, kind: group, title: Y, parent: X}\n",
        ["item 'X'", "loops back"],
    ),
    "unquoted numeric id": (
        GOOD_FRAMEWORK + "- {id: 4.10, kind: control, title: Number, parent: G}\n",
        ["item #4", "'id' must be text, got float 4.1", "quote it"],
    ),
    "misspelt field": (
        GOOD_FRAMEWORK + "- {id: G.3, kind: control, titel: Typo, parent: G}\n",
        ["item 'G.3' (#4)", "unknown field(s) 'titel'"],
    ),
    "bad kind": (
        GOOD_FRAMEWORK + "- {id: G.3, kind: Control Objective, title: T, parent: G}\n",
        ["item 'G.3'", "kind 'Control Objective'"],
    ),
    "bad prop name": (
        GOOD_FRAMEWORK + "- {id: G.3, kind: control, title: T, parent: G, props: {'has space': x}}\n",
        ["item 'G.3'", "prop name 'has space'"],
    ),
    "missing version": (
        GOOD_FRAMEWORK.replace("version: '1'\n", ""),
        ["framework", "'version' is missing"],
    ),
    "items not a list": (
        "id: tiny\nname: T\nversion: '1'\npublisher: P\nitems: {id: G}\n",
        ["framework", "'items' must be a list"],
    ),
    "invalid yaml": (
        "id: tiny\nitems: [unclosed\n",
        ["not valid YAML"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FRAMEWORKS))
def test_bad_framework_file_names_file_and_entry(tmp_path, case):
    text, fragments = BAD_FRAMEWORKS[case]
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(CatalogError) as caught:
        load_framework(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_missing_file_is_a_catalog_error(tmp_path):
    with pytest.raises(CatalogError, match="file not found"):
        load_framework(tmp_path / "nowhere.yaml")


BAD_CROSSWALKS = {
    "unknown target id": (
        "- {source_id: G.1, target_id: G.9, relation: related, basis: judgement, source: AIMS}\n",
        ["mapping #1 ('G.1' -> 'G.9')", "target_id 'G.9' is not an item of 'tiny'"],
    ),
    "unknown source id": (
        "- {source_id: G.1, target_id: G.2, relation: related, basis: judgement, source: AIMS}\n"
        "- {source_id: Q.7, target_id: G.2, relation: related, basis: judgement, source: AIMS}\n",
        ["mapping #2 ('Q.7' -> 'G.2')", "source_id 'Q.7' is not an item of 'tiny'"],
    ),
    "unknown basis": (
        "- {source_id: G.1, target_id: G.2, relation: related, basis: hunch, source: AIMS}\n",
        ["mapping #1 ('G.1' -> 'G.2')", "basis 'hunch' is not one of"],
    ),
    "unknown relation": (
        "- {source_id: G.1, target_id: G.2, relation: same, basis: judgement, source: AIMS}\n",
        ["mapping #1", "relation 'same'"],
    ),
    "undeclared source": (
        "- {source_id: G.1, target_id: G.2, relation: related, basis: published, source: NIST}\n",
        ["mapping #1", "source 'NIST' is not declared"],
    ),
    "missing basis": (
        "- {source_id: G.1, target_id: G.2, relation: related, source: AIMS}\n",
        ["mapping #1 ('G.1' -> 'G.2')", "'basis' is missing"],
    ),
    "duplicate pair": (
        "- {source_id: G.1, target_id: G.2, relation: related, basis: judgement, source: AIMS}\n"
        "- {source_id: G.1, target_id: G.2, relation: intersects, basis: judgement, source: AIMS}\n",
        ["mapping #2 ('G.1' -> 'G.2')", "already listed as mapping #1"],
    ),
    "unmapped yet mapped": (
        "- {source_id: G.1, target_id: G.2, relation: related, basis: judgement, source: AIMS}\n"
        "unmapped:\n- {source_id: G.1, note: nothing fits}\n",
        ["unmapped #1 ('G.1')", "has mappings"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_CROSSWALKS))
def test_bad_crosswalk_file_names_file_and_entry(tmp_path, tiny, case):
    body, fragments = BAD_CROSSWALKS[case]
    path = write(tmp_path, "bad-crosswalk.yaml", CROSSWALK_HEAD + body)
    with pytest.raises(CatalogError) as caught:
        load_crosswalk(path, [tiny])
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_crosswalk_to_an_unknown_framework_is_refused(tmp_path, tiny):
    path = write(
        tmp_path, "cw.yaml", CROSSWALK_HEAD.replace("target_framework: tiny", "target_framework: huge") + "  []\n"
    )
    with pytest.raises(CatalogError, match=r"cw\.yaml: crosswalk: target_framework 'huge' is not a known framework"):
        load_crosswalk(path, {"tiny": tiny})


def test_a_good_crosswalk_loads(tmp_path, tiny):
    body = "- {source_id: G.1, target_id: G.2, locator: (a), relation: subset-of, basis: derived, source: AIMS}\n"
    crosswalk = load_crosswalk(write(tmp_path, "cw.yaml", CROSSWALK_HEAD + body), [tiny])
    (mapping,) = crosswalk.mappings
    assert (mapping.source_id, mapping.target_id, mapping.locator, mapping.relation) == (
        "G.1",
        "G.2",
        "(a)",
        "subset-of",
    )
    assert crosswalk.title == "tiny-to-tiny"


def test_oscal_control_without_title_names_file_and_control(tmp_path):
    catalog = {
        "catalog": {
            "uuid": "5f0c6d39-7e2c-4c6b-9a52-0d0c8f0e7a10",
            "metadata": {
                "title": "T",
                "last-modified": "2025-01-01T00:00:00Z",
                "version": "1",
                "oscal-version": "1.1.2",
            },
            "groups": [{"id": "g", "title": "G", "controls": [{"id": "g-1"}]}],
        }
    }
    path = tmp_path / "untitled.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_framework(path)
    assert str(caught.value) == f"{path}: item 'g-1' (#2): control 'g-1' has no title"


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"profile": {}}, "not an OSCAL catalog"),
        ({"catalog": {"uuid": "x"}}, "has no 'metadata'"),
        (
            {"catalog": {"metadata": {"title": "T", "version": "1"}, "controls": [{"title": "No id"}]}},
            "control has no id",
        ),
        (
            {
                "catalog": {
                    "metadata": {"title": "T", "version": "1"},
                    "controls": [{"id": "a", "title": "A"}, {"id": "a", "title": "B"}],
                }
            },
            "duplicate id 'a'",
        ),
    ],
)
def test_bad_oscal_documents_are_refused(tmp_path, document, fragment):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_framework(path)
    assert str(caught.value).startswith(str(path)) and fragment in str(caught.value)


def test_invalid_json_is_a_catalog_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_framework(path)


def test_catalog_error_carries_its_parts():
    error = CatalogError("f.yaml", "item 'X'", "has no title")
    assert (error.path, error.entry, error.problem) == ("f.yaml", "item 'X'", "has no title")
    assert str(error) == "f.yaml: item 'X': has no title"
    assert isinstance(error, ValueError)


def test_items_are_immutable():
    item = Item(id="X", kind="control", title="T")
    with pytest.raises(AttributeError):
        item.title = "U"  # type: ignore[misc]
