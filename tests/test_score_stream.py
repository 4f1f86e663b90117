"""`score rm2000` streamed in batches through the vectorised scorer: every answer is the one the
engine gives for that line alone, every hostile line gets its own error, reading stays bounded."""

from __future__ import annotations

import io
import itertools
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rso_widgets.commands import jsonlines
from rso_widgets.commands.jsonlines import TOO_LONG, LineError
from rso_widgets.commands.score import answer_batch, score_line
from rso_widgets.instruments.rm2000_stream import ROW, ROW_TYPES, BatchScorer, ceiling, is_plain
from rso_widgets.instruments.ruleset import load_rm2000_ruleset

RS = load_rm2000_ruleset()
STAMP = re.compile(rb'"scored_at": "[^"]*"')


def plain_case(**over: Any) -> dict[str, Any]:
    d: dict[str, Any] = dict(
        sex="male", age_at_assessment=40, age_at_commencement=30, sexual_appearances=2,
        criminal_appearances=5, violent_appearances=1, burglary=False, male_victim=True,
        stranger_victim=False, non_contact=False, single=True, sexual_offence_aged_17_plus=True)
    d.update(over)
    return d


def reference(lines: list[bytes]) -> list[bytes]:
    """Today's answer: the engine alone, line by line, as the command writes it (UTF-8, a
    lone surrogate as \\udXXX)."""
    return [STAMP.sub(b'"scored_at": "T"', json.dumps(score_line(raw, n, RS, None),
                      ensure_ascii=False).encode("utf-8", "backslashreplace"))
            for n, raw in enumerate(lines, start=1)]


def batched(lines: list[bytes], cuts: list[int], scorer: BatchScorer | None = None
            ) -> list[bytes]:
    scorer = scorer or BatchScorer(RS)
    out: list[bytes] = []
    bounds = sorted({0, len(lines), *(c for c in cuts if 0 < c < len(lines))})
    for a, b in itertools.pairwise(bounds):
        out += answer_batch([(n, lines[n - 1]) for n in range(a + 1, b + 1)], scorer)
    return [STAMP.sub(b'"scored_at": "T"', t) for t in out]


# --- random cases: valid, not applicable, invalid, hostile ---------------------------------

ints = st.one_of(st.integers(-3, 120), st.sampled_from([299, 300, 301, 10**17, 10**30, 2**63]))
values = {
    "int": st.one_of(ints, st.none(), st.booleans(), st.sampled_from(["3", 1.5, 2.0])),
    "bool": st.one_of(st.booleans(), st.none(), st.sampled_from(["yes", 1, 0, "off"])),
    "sex": st.one_of(st.sampled_from(["male", "female", " Male ", "", "x"]), st.none(),
                     st.just(5)),
}
KIND = {k: "int" for k in ("age_at_assessment", "age_at_commencement", "sexual_appearances",
                           "criminal_appearances", "violent_appearances")}
KIND |= {k: "bool" for k in ("burglary", "male_victim", "stranger_victim", "non_contact",
                             "single", "sexual_offence_aged_17_plus")}
KIND["sex"] = "sex"


@st.composite
def a_case(draw: st.DrawFn) -> dict[str, Any]:
    age = draw(st.integers(18, 90))
    sexual = draw(st.integers(0, 7))
    crim = sexual + draw(st.integers(0, 8))
    d = plain_case(age_at_assessment=age, age_at_commencement=draw(st.integers(10, age + 2)),
                   sexual_appearances=sexual, criminal_appearances=crim,
                   violent_appearances=draw(st.integers(0, crim)))
    for k in ("burglary", "male_victim", "stranger_victim", "non_contact", "single"):
        d[k] = draw(st.booleans())
    for k in draw(st.lists(st.sampled_from(sorted(KIND)), max_size=3)):  # spoil a few fields
        if draw(st.booleans()):
            d.pop(k, None)
        else:
            d[k] = draw(values[KIND[k]])
    extra = draw(st.sampled_from([None, "dates", "occasions", "unknown"]))
    if extra == "dates":
        d.pop("age_at_commencement", None)
        d |= {"date_of_birth": "1980-01-01", "commencement_date": draw(st.sampled_from(
            ["2005-06-01", "1970-01-01", "2099-01-01", "2005-02-30"]))}
    elif extra == "occasions":
        for k in ("sexual_appearances", "criminal_appearances", "violent_appearances"):
            d.pop(k, None)
        flag = st.one_of(st.booleans(), st.sampled_from(["yes", 1, "off"]))
        d["occasions"] = [{"date": f"20{10 + i}-01-01", "offences": [
            {"name": "offence", "sexual": draw(flag), "violent": draw(flag)}]}
            for i in range(draw(st.integers(1, 3)))]
    elif extra == "unknown":
        d["favourite_colour"] = "blue"
    return d


HOSTILE = [
    b"{oops", b"[1, 2]", b'"male"', b"null", b"42", b'{"sex": "male",, }',
    b'{"sex": "male", "sex": "female"}', b'{"occasions": [{"date": "2010-01-01", "date": 1}]}',
    b'{"age_at_assessment": NaN}', b'{"age_at_assessment": Infinity}',
    b'{"age_at_assessment": -Infinity}', b'{"age_at_assessment": 1e999}',
    b'{"age_at_assessment": ' + b"9" * 5000 + b"}", b"[" * 100_000 + b"]" * 100_000,
    b'{"sex": ' + b"[" * 30 + b"]" * 30 + b"}", b'{"sex": "m\xe4le"}', b'{"sex": "\\ud800"}',
    b'{"a" :1, "a":2, "b" :"q\\":"}', TOO_LONG,
]
_PLAIN = json.dumps(plain_case()).encode()
NEAR_PLAIN = [  # every key once but one thing unusual: the fast path must leave these to parse
    _PLAIN[:-1] + b', "sex": "female"}', _PLAIN[:-1] + b', "single": false}',
    _PLAIN.replace(b'"sex":', b'"sex" :'), _PLAIN.replace(b'"single":', b'"single"\t:'),
    _PLAIN.replace(b'"sex":', b'"s\\u0065x":'), b"\xef\xbb\xbf" + _PLAIN, _PLAIN + b"\r",
    _PLAIN.replace(b": 40", b": 999999999999999999"), _PLAIN.replace(b": 40", b": -0"),
    _PLAIN.replace(b": 40", b": 1000000000000000000"), _PLAIN.replace(b": 40", b": 40.0"),
    _PLAIN.replace(b": 40", b": 4e1"), _PLAIN.replace(b": 40", b": true"),
    _PLAIN.replace(b"true", b"1", 1), _PLAIN.replace(b'"male"', b'"m\\u00e4le"'),
    _PLAIN.replace(b'"male"', b'"\\ud800"'), _PLAIN.replace(b'"male"', b'"ma\xe4le"'),
    _PLAIN.replace(b'"male"', b'"a\\":"'), _PLAIN.replace(b'"male"', b"null"),
    _PLAIN.replace(b": 40", b": null"), _PLAIN.replace(b", \"single\": true", b""),
    _PLAIN[:-1] + b', "x": 1}', _PLAIN + b" " + _PLAIN, _PLAIN.replace(b": 5", b": 301"),
]
a_line = st.one_of(a_case().map(lambda d: json.dumps(d).encode()), st.sampled_from(HOSTILE),
                   st.sampled_from(NEAR_PLAIN), st.binary(max_size=40))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(a_line, min_size=1, max_size=25),
       cuts=st.lists(st.integers(0, 25), max_size=4), warm=st.booleans())
def test_batched_answers_are_the_engines_answers(lines, cuts, warm):
    scorer = BatchScorer(RS)
    if warm:  # fragments already learned from other cases
        batched([json.dumps(plain_case(single=b)).encode() for b in (True, False)], [], scorer)
    lines = [x for x in lines if not (isinstance(x, bytes) and not x.strip())]
    assert batched(lines, cuts, scorer) == reference(lines)


def test_a_large_valid_batch_matches_line_by_line():
    import random

    rng = random.Random(13)
    cases = []
    for _ in range(3000):
        age = rng.randint(18, 85)
        s = rng.choice([0, 1, 1, 2, 3, 5, 6])
        c = s + rng.randint(0, 9)
        cases.append(plain_case(
            sex=rng.choice(["male"] * 30 + ["female"]), age_at_assessment=age,
            age_at_commencement=rng.randint(18, age), sexual_appearances=s,
            criminal_appearances=c, violent_appearances=rng.randint(0, c),
            burglary=rng.random() < .2, male_victim=rng.random() < .3,
            stranger_victim=rng.random() < .3, non_contact=rng.random() < .2,
            single=rng.random() < .5, sexual_offence_aged_17_plus=rng.random() < .98))
    lines = [json.dumps(c).encode() for c in cases]
    assert batched(lines, [1000, 2000]) == reference(lines)


# --- each hostile line: its own error, the next line still answered -------------------------

@pytest.mark.parametrize(("raw", "words"), [
    (b'{"age_at_assessment": ' + b"7" * 5000 + b"}", "5,000 digits"),
    (b"[" * 100_000 + b"]" * 100_000, "nested more than"),
    (b'{"age_at_assessment": NaN}', "NaN is not a number"),
    (b'{"age_at_assessment": Infinity}', "Infinity is not a number"),
    (b'{"age_at_assessment": 1e999}', "too large"),
    (b'{"sex": "male", "sex": "female"}', "'sex' appears more than once"),
    (b'{"occasions": [{"date": "2010-01-01", "date": "2011-01-01", "offences": []}]}',
     "'date' appears more than once"),
])
def test_hostile_line_gets_a_line_error_and_the_next_line_is_scored(raw, words):
    good = json.dumps(plain_case()).encode()
    first, second, third = (json.loads(t) for t in batched([good, raw, good], []))
    assert first["applicable"] and third["applicable"]
    [error] = second["errors"]
    assert error["field"] == "(line 2)" and words in error["message"]


@pytest.mark.parametrize("flag", ["yes", 1, "off", 0, "true"])
@pytest.mark.parametrize("where", ["top", "offence"])
def test_booleans_must_be_true_or_false_everywhere(flag, where):
    if where == "top":
        case = plain_case(burglary=flag)
    else:
        case = {k: v for k, v in plain_case().items() if not k.endswith("_appearances")}
        case["occasions"] = [{"date": "2010-05-01", "offences": [
            {"name": "sexual assault", "sexual": flag}]}]
    [out] = (json.loads(t) for t in batched([json.dumps(case).encode()], []))
    [error] = out["errors"]
    assert "true or false" in error["message"] and error["field"].endswith(
        "burglary" if where == "top" else "sexual")


def test_counts_above_the_ceiling_are_not_scored_by_the_table_path():
    top = ceiling(RS)
    assert not is_plain(plain_case(criminal_appearances=top + 1), top)
    assert not is_plain(plain_case(violent_appearances=10**30), top)
    assert is_plain(plain_case(criminal_appearances=top), top)


@pytest.mark.skipif(getattr(RS.validation, "max_appearances", None) is None,
                    reason="the engine's count ceiling (validation.max_appearances) is merged "
                           "from the ruleset work")
def test_counts_above_the_ceiling_are_refused():
    top = ceiling(RS)
    for over in ({"criminal_appearances": top + 1}, {"criminal_appearances": 10**17}):
        [out] = (json.loads(t) for t in batched([json.dumps(plain_case(**over)).encode()], []))
        assert "errors" in out, out


def test_a_huge_message_is_cut_short():
    [out] = (json.loads(t) for t in batched(
        [json.dumps(plain_case(age_at_assessment="9" * 100_000)).encode()], []))
    assert all(len(e["message"]) <= 400 for e in out["errors"])


# --- reading: bounded lines and batches -----------------------------------------------------

def test_parse_refuses_what_json_loads_lets_through():
    for text in ('{"a": 1, "a": 2}', '{"x": {"a": 1, "a": 2}}', "NaN", '{"n": 1e400}',
                 '{"a": 1}\u00a0', '{"a": 1} x',
                 '{"a" :1, "a":2, "b" :"q\\":"}'):
        with pytest.raises(LineError):
            jsonlines.parse(text)
    assert jsonlines.parse('{"a": 1, "b": {"c": [1, {"d": "x\\"y"}]}}') == {
        "a": 1, "b": {"c": [1, {"d": 'x"y'}]}}


def test_an_over_long_line_is_skipped_without_being_held():
    chunks = [b'{"a": 1}\n{"b"', b"x" * 50, b"x" * 50, b'"}\n{"c": 3}', b"\n", b"y" * 200]
    it = iter(chunks)
    got = [line for part in jsonlines.chunked_lines(lambda: next(it, b""), max_line=64)
           for line in part]
    assert got == [b'{"a": 1}', TOO_LONG, b'{"c": 3}', TOO_LONG]


def test_batches_are_bounded():
    data = b"".join(json.dumps(plain_case(age_at_assessment=20 + i % 50)).encode() + b"\n"
                    for i in range(1000))
    sizes = [len(b) for b in jsonlines.batches(io.BytesIO(data), max_lines=128)]
    assert sum(sizes) == 1000 and max(sizes) <= 128


@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(st.tuples(st.sampled_from(["a", "b", 'q":', "c d"]),
                                st.one_of(st.integers(-5, 5), st.sampled_from(['x":', '" :']))),
                      max_size=5),
       spaces=st.lists(st.sampled_from(["", " ", "\t", "\r"]), min_size=12, max_size=12))
def test_duplicate_keys_are_found_however_the_object_is_written(pairs, spaces):
    body = ", ".join(f"{json.dumps(k)}{spaces[i % 12]}:{spaces[(i + 5) % 12]}{json.dumps(v)}"
                     for i, (k, v) in enumerate(pairs))
    text = "{" + body + "}"
    keys = [k for k, _ in pairs]
    if len(set(keys)) < len(keys):
        with pytest.raises(LineError, match="appears more than once"):
            jsonlines.parse(text)
    else:
        assert jsonlines.parse(text) == dict(pairs)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=st.lists(st.one_of(a_line.filter(lambda x: x is not TOO_LONG),
                                st.sampled_from([b"", b"   ", b"\r", b"\xef\xbb\xbf"])),
                      min_size=1, max_size=15))
def test_the_command_answers_every_non_blank_line_once(lines, monkeypatch, capsys):
    import sys

    from rso_widgets.cli import main

    lines = [x.replace(b"\n", b" ") for x in lines]
    data = b"\n".join(lines) + b"\n"
    stdout = io.BytesIO()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(stdout, encoding="utf-8"))
    status = main(["score", "rm2000"])
    sys.stdout.flush()
    out = stdout.getvalue().decode("utf-8").splitlines()
    answered = [x for x in data.split(b"\n")[:-1]
                if x.removeprefix(b"\xef\xbb\xbf").strip(b" \t\r\n\f\v")]
    assert len(out) == len(answered)
    objs = [json.loads(x) for x in out]
    assert status == (1 if any("errors" in o for o in objs) else 0)
    assert "Traceback" not in capsys.readouterr().err


@settings(max_examples=200, deadline=None)
@given(obj=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.one_of(
    st.integers(-10**20, 10**20), st.booleans(), st.none(), st.text(max_size=5),
    st.floats(allow_nan=False, allow_infinity=False), st.lists(st.integers(-10**20, 10**20),
                                                              max_size=3))),
       around=st.tuples(*[st.sampled_from(["", " ", "\t", "\r", "\u00a0", "\u2028"])] * 2),
       separators=st.sampled_from([(", ", ": "), (",", ":"), (" , ", " : ")]))
def test_the_fast_decoder_agrees_with_the_checked_one(obj, around, separators):
    text = around[0] + json.dumps(obj, separators=separators) + around[1]

    def outcome(fn):
        try:
            return ("value", fn(text))
        except LineError as exc:
            return ("error", str(exc))

    assert outcome(jsonlines.parse) == outcome(jsonlines._checked)


# --- the fast path for plain lines: msgspec, then `parse` for anything unusual ------------

FIXED = jsonlines.FixedObjects(ROW_TYPES)
JSON_WS = st.sampled_from(["", " ", "\t", "\r", "\n", "\u00a0"])


@st.composite
def a_plain_text(draw: st.DrawFn) -> bytes:
    """A plain case written in some way: keys dropped, repeated, escaped or spaced; values of
    other types; numbers at the digit bound; a BOM; broken UTF-8."""
    d = plain_case()
    pairs = list(d.items())
    for _ in range(draw(st.integers(0, 2))):
        k = draw(st.sampled_from(ROW))
        pairs.append((k, draw(values[KIND[k]] | st.sampled_from([10**18 - 1, -(10**18) + 1,
                                                                  10**18, 1.0, "\ud800"]))))
    pairs = draw(st.permutations(pairs))[:draw(st.integers(10, len(pairs)))]
    parts = []
    for k, v in pairs:
        key = json.dumps(k) if draw(st.integers(0, 9)) else '"s\\u0065x"' if k == "sex" else \
            json.dumps(k, ensure_ascii=True)
        parts.append(f"{key}{draw(JSON_WS)}:{draw(JSON_WS)}{json.dumps(v)}")
    text = draw(JSON_WS) + "{" + ", ".join(parts) + "}" + draw(JSON_WS)
    raw = text.encode("utf-8", "surrogatepass")
    return draw(st.sampled_from([raw, raw, raw, b"\xef\xbb\xbf" + raw, raw + b"\xff"]))


@settings(max_examples=400, deadline=None)
@given(raw=a_plain_text())
def test_the_fixed_decoder_takes_only_what_parse_gives_the_same(raw):
    got = FIXED.one(raw)
    if got is None:
        return
    value = jsonlines.parse(raw.decode("utf-8-sig"))  # never refused, never different
    assert isinstance(value, dict) and set(value) == set(ROW)
    want = tuple(value[k] for k in ROW)
    assert got == want and list(map(type, got)) == list(map(type, want))


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(a_plain_text() | st.sampled_from([*NEAR_PLAIN, _PLAIN, b"", TOO_LONG]),
                      max_size=8))
def test_the_fixed_decoder_batch_is_each_line_alone(lines):
    assert FIXED.rows(lines) == [FIXED.one(x) for x in lines]
    assert FIXED.one(_PLAIN) == tuple(plain_case()[k] for k in ROW)
