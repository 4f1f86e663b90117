"""The ruleset is data with provenance, validated on load; a broken file is refused clearly."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import yaml

from rso_widgets.instruments.rm2000 import score
from rso_widgets.instruments.ruleset import (
    DEFAULT_RM2000,
    RulesetError,
    load_rm2000_ruleset,
    load_rm2000_ruleset_ref,
    parse_ruleset,
)

RAW = yaml.safe_load(DEFAULT_RM2000.read_text(encoding="utf-8"))


def test_shipped_ruleset_has_provenance_and_version():
    rs = load_rm2000_ruleset()
    assert rs.ref == "rm2000-ew-training@2.0.0"
    assert rs.superseded is None and rs.validation.max_appearances == 300
    assert rs.c.conversion == {"Low": 1, "Medium": 2, "High": 3, "Very High": 4}
    assert rs.provenance.config_points and "licensed" in rs.provenance.status
    assert rs.reconviction_rates is None  # no percentages without a cited source


def test_loaded_once():
    assert load_rm2000_ruleset() is load_rm2000_ruleset()


def broken(path: str, value) -> dict:
    data = copy.deepcopy(RAW)
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    if value is KeyError:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.parametrize("path,value,expect", [
    ("s.items.0.bands.1.min", 26, "contiguous"),
    ("s.cuts.3.max", 5, "cover every total"),
    ("c.conversion", {"Low": 0, "Medium": 1, "High": 2}, "c.conversion"),
    ("s.step2.raise.2.max", 5, "cover 0 to 4"),
    ("s.step2.raise.2.max", 3, "max below min"),
    ("version", KeyError, "version"),
    ("s.items.0.bands.0.points", -1, "points"),
    ("v.cuts.0.category", "Minimal", "unknown categories"),
])
def test_broken_ruleset_refused_naming_field(path, value, expect):
    with pytest.raises(RulesetError) as exc:
        parse_ruleset(broken(path, value), "custom.yaml")
    assert "custom.yaml" in str(exc.value) and expect in str(exc.value)


def test_unreadable_and_invalid_yaml_files(tmp_path):
    with pytest.raises(RulesetError, match="cannot read"):
        load_rm2000_ruleset(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(RulesetError, match="not valid YAML"):
        load_rm2000_ruleset(bad)
    evil = tmp_path / "evil.yaml"
    evil.write_text("!!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(RulesetError):
        load_rm2000_ruleset(evil)


def test_an_organisation_can_load_its_own_conversion(tmp_path):
    """The [config] /C conversion: 1–4 points with cut-offs 2–3/4–5/6–7/8."""
    data = copy.deepcopy(RAW)
    data["id"], data["version"] = "force-x", "2.0"
    data["c"] = {"conversion": {"Low": 1, "Medium": 2, "High": 3, "Very High": 4},
                 "cuts": [{"min": 2, "max": 3, "category": "Low"},
                          {"min": 4, "max": 5, "category": "Medium"},
                          {"min": 6, "max": 7, "category": "High"},
                          {"min": 8, "max": 8, "category": "Very High"}]}
    path = tmp_path / "force.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    rs = load_rm2000_ruleset(path)
    r = score(dict(sex="male", age_at_assessment=40, age_at_commencement=40, sexual_appearances=1,
                   criminal_appearances=1, violent_appearances=0, burglary=False,
                   male_victim=False, stranger_victim=False, non_contact=False, single=False,
                   sexual_offence_aged_17_plus=True), ruleset=rs, today=dt.date(2026, 1, 1))
    assert r.ruleset == "force-x@2.0"
    assert (r.c.points, r.c.category) == (2, "Low")


def test_bands_must_cover_every_valid_value():
    with pytest.raises(RulesetError, match="must cover every valid value from 10"):
        parse_ruleset(broken("s.items.0.bands.0.min", 11) | {}, "custom.yaml")
    data = broken("v.items.1.bands.3.max", 9)
    with pytest.raises(RulesetError, match="last band open-ended"):
        parse_ruleset(data, "custom.yaml")


def test_the_superseded_ruleset_stays_loadable_by_reference():
    old = load_rm2000_ruleset_ref("rm2000-ew-training@1.0.0")
    assert old.superseded and old.superseded.by == "rm2000-ew-training@2.0.0"
    assert "0–3" in old.title and old.c.conversion["Low"] == 0
    assert load_rm2000_ruleset_ref("rm2000-ew-training@2.0.0") is load_rm2000_ruleset()
    # The same facts, L+M: the superseded scheme says Medium, the revised one Low.
    d = dict(sex="male", age_at_assessment=40, age_at_commencement=40, sexual_appearances=1,
             criminal_appearances=1, violent_appearances=1, burglary=False, male_victim=False,
             stranger_victim=False, non_contact=False, single=False,
             sexual_offence_aged_17_plus=True)
    then, now = score(d, ruleset=old), score(d)
    assert (then.s.category, then.v.category) == ("Low", "Medium")
    assert (then.ruleset, then.c.category) == ("rm2000-ew-training@1.0.0", "Medium")
    assert (now.ruleset, now.c.category) == ("rm2000-ew-training@2.0.0", "Low")


def test_an_unknown_ruleset_reference_names_the_fix():
    with pytest.raises(RulesetError, match=r"not available.*RSO_RM2000_RULESET"):
        load_rm2000_ruleset_ref("rm2000-ew-training@9.9.9")
