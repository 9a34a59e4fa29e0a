"""The --evaluator spec grammar: documented examples, round trips, and clear errors."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.evaluators import (Bleu, Contains, ContainsAll, ContainsAny, EditSimilarity,
                                     EndsWith, Equals, IsJson, JsonSchema, Judge,
                                     Length, Regex, RougeL, SpecError, StartsWith, parse_spec)
from desktop.core.evaluators import spec as spec_module
from desktop.core.evaluators.reference import BLEU_TOKENIZERS, Chrf


@pytest.fixture
def files(tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "order.json").write_text('{"type": "object"}', encoding="utf-8")
    (tmp_path / "rubric.txt").write_bytes(b"\xef\xbb\xbfIs it polite?\n")
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    return tmp_path


def documented_examples() -> list[str]:
    doc = spec_module.__doc__
    block = doc.split("Examples\n--------\n::\n\n", 1)[1]
    return [part for line in block.splitlines() if line.strip()
            for part in re.split(r"\s{2,}", line.strip())]


def test_every_documented_example_parses(files):
    examples = documented_examples()
    assert len(examples) == 12
    for example in examples:
        evaluator = parse_spec(example, base_dir=files)
        assert evaluator.name == example
        assert parse_spec(evaluator.spec(), base_dir=files) == evaluator


@pytest.mark.parametrize(("text", "expected"), [
    ("contains:refund", Contains(value="refund")),
    ("contains: refund, please ", Contains(value=" refund, please ")),  # exact, spaces kept
    ("regex:^a:b$", Regex(pattern="^a:b$")),  # colons in the value are the value's
    ("not:icontains:as an AI", Contains(value="as an AI", ignore_case=True, negate=True)),
    ("weight=2:not:equals:x", Equals(value="x", weight=2, negate=True)),
    ("not:weight=0.5:equals:x", Equals(value="x", weight=0.5, negate=True)),
    ("contains-any:a, b ,c", ContainsAny(values=("a", "b", "c"))),
    ('icontains-all:["a,b"," c"]', ContainsAll(values=("a,b", " c"), ignore_case=True)),
    ("starts-with:@@handle", StartsWith(value="@handle")),
    ("iends-with:.", EndsWith(value=".", ignore_case=True)),
    ("length:10..200", Length(minimum=10, maximum=200)),
    ("length:..280", Length(maximum=280)),
    ("is-json", IsJson()),
    ("json-schema:true", JsonSchema(schema=True)),
    ("bleu>=0.3", Bleu(threshold=0.3)),
    ("bleu>=.25", Bleu(threshold=0.25)),
    ("tokenize=char:bleu:{{ expected }}", Bleu(tokenize="char", reference="{{ expected }}")),
    ("chrf>=1", Chrf(threshold=1.0)),
    ("stem=no:rouge-l", RougeL(stem=False)),
    ("edit-similarity>=0.95", EditSimilarity(threshold=0.95)),
    ("judge:openai/gpt-4o-mini:Is it: polite?",
     Judge(model="openai/gpt-4o-mini", rubric="Is it: polite?")),
    ("scale=0-1:judge>=0.7:<ollama/llama3:8b>:Rubric",
     Judge(model="ollama/llama3:8b", rubric="Rubric", scale="0-1", threshold=0.7)),
])
def test_parsing(text, expected):
    evaluator = parse_spec(text)
    assert evaluator == expected
    assert evaluator.label == text


def test_files_are_read_exactly_except_the_bom(files):
    judge = parse_spec("judge:m:@rubric.txt", base_dir=files)
    assert judge.rubric == "Is it polite?\n"
    assert judge.spec() == "judge:m:Is it polite?\n"
    schema = parse_spec("json-schema:@schemas/order.json", base_dir=files).schema
    assert schema == {"type": "object"}


@pytest.mark.parametrize(("text", "message"), [
    ("", "the evaluator spec is empty"),
    ("contians:refund", "'contians' is not an evaluator kind \\(did you mean 'contains'\\?\\)"),
    ("Contains:refund", "'Contains' is not an evaluator kind"),
    ("weight=2", "has no evaluator after 'weight=2'"),
    ("not", "has no evaluator after 'not'"),
    ("not:not:contains:x", "says 'not' twice"),
    ("weight=1:weight=2:contains:x", "gives weight= twice"),
    ("weight=-1:contains:x", "weight must be a number such as 0.5"),
    ("weight=nan:contains:x", "weight must be a number"),
    ("weight=1e999:contains:x", "weight must be a finite number"),
    ("colour=red:contains:x", "unknown option 'colour'"),
    ("tokenize=intl:rouge-l", "option tokenize= applies to bleu, not to rouge-l"),
    ("stem=maybe:rouge-l", "stem= takes yes or no"),
    ("scale=1-10:judge:m:r", "judge scale must be one of 1-5, 0-1"),
    ("tokenize=flores101:bleu", "unknown tokenizer 'flores101'"),
    ("bleu>=2", "threshold must be between 0 and 1"),
    ("bleu>=high", "threshold must be a number"),
    ("contains", "contains needs a value, e.g. contains:refund"),
    ("contains:", "contains needs a value"),
    ("contains-any:a,,b", "item 2 of the list is empty"),
    ("contains-any:[1, 2]", "a JSON list must be an array of strings"),
    ("contains-any:[oops", "looks like JSON but is not valid"),
    ("regex:(", r'invalid regular expression "\(": missing \)'),
    ("length:ten", "length needs MIN..MAX, MIN.. or ..MAX"),
    ("length:..", "length needs MIN..MAX"),
    ("length:9..3", "minimum 9 is above maximum 3"),
    ("is-json:{}", "is-json takes no value"),
    ("json-schema:{", "the schema is not valid JSON"),
    ('json-schema:{"type": "strange"}', "the JSON schema is invalid at \\$.type"),
    ("json-schema:[]", "a JSON schema must be a JSON object"),
    ("judge:openai/gpt-4o", "judge needs MODEL:RUBRIC"),
    ("judge:m:", "judge needs a rubric"),
    ("judge:m:   ", "judge needs a rubric"),
    ("judge:<m:x", "write <MODEL>:RUBRIC"),
    ("judge:my model:rubric", "'my model' is not a model id"),
    ("contains:@", "'@' must be followed by a file name"),
    ("contains:@nowhere.txt", "cannot read nowhere.txt: there is no such file"),
    ("json-schema:@latin1.txt", "latin1.txt is not UTF-8 text"),
])
def test_errors_name_the_problem(files, text, message):
    with pytest.raises(SpecError, match=message):
        parse_spec(text, base_dir=files)


def test_big_files_are_refused(files, monkeypatch):
    monkeypatch.setattr(spec_module, "MAX_FILE_BYTES", 3)
    with pytest.raises(SpecError, match=r"rubric\.txt has 17 bytes, more than the 3"):
        parse_spec("judge:m:@rubric.txt", base_dir=files)


def test_canonical_specs_drop_defaults():
    assert parse_spec("weight=1:bleu>=0.5").spec() == "bleu"
    assert parse_spec("weight=1.0:contains:x").spec() == "contains:x"
    assert parse_spec("stem=yes:rouge-l").spec() == "rouge-l"
    assert parse_spec("contains-any:[\"a\",\"b\"]").spec() == "contains-any:a,b"


# ---------------------------------------------------------------- round trips (hypothesis)

texts = st.text(min_size=1)
value_lists = st.lists(texts, min_size=1).map(tuple)
unit = st.floats(min_value=0, max_value=1)
common = st.fixed_dictionaries({
    "threshold": unit,
    "weight": st.one_of(st.integers(0, 10), st.floats(0, 100)),
    "negate": st.booleans()})
models = st.from_regex(r"[a-z0-9][a-z0-9_./:-]{0,20}", fullmatch=True)
schemas = st.sampled_from([{"type": "object"}, {"type": "array", "items": {"type": "string"}},
                           True, {"enum": ["a", "é, \"b\""]}])
patterns = st.one_of(st.sampled_from([r"^\d+$", r"(?i)refund", r"a:b|c", "@x"]),
                     texts.map(re.escape))

evaluators = st.one_of(
    st.builds(Equals, value=texts, ignore_case=st.booleans()),
    st.builds(Contains, value=texts, ignore_case=st.booleans()),
    st.builds(StartsWith, value=texts, ignore_case=st.booleans()),
    st.builds(EndsWith, value=texts, ignore_case=st.booleans()),
    st.builds(ContainsAny, values=value_lists, ignore_case=st.booleans()),
    st.builds(ContainsAll, values=value_lists, ignore_case=st.booleans()),
    st.builds(Regex, pattern=patterns),
    st.builds(Length, minimum=st.integers(0, 10**6)),
    st.builds(Length, maximum=st.integers(0, 10**6)),
    st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)).map(
        lambda t: Length(minimum=min(t), maximum=max(t))),
    st.builds(IsJson),
    st.builds(JsonSchema, schema=schemas),
    st.builds(EditSimilarity, reference=st.none() | texts),
    st.builds(Bleu, reference=st.none() | texts, tokenize=st.sampled_from(BLEU_TOKENIZERS)),
    st.builds(Chrf, reference=st.none() | texts),
    st.builds(RougeL, reference=st.none() | texts, stem=st.booleans()),
    st.builds(Judge, model=models, rubric=texts.filter(str.strip),
              scale=st.sampled_from(["1-5", "0-1"])),
)


def with_common(evaluator_strategy):
    return st.tuples(evaluator_strategy, common).map(lambda pair: replace(pair[0], **pair[1]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(with_common(evaluators))
def test_every_evaluator_round_trips_through_its_spec(evaluator):
    text = evaluator.spec()
    parsed = parse_spec(text)
    assert parsed == evaluator
    assert parsed.spec() == text


fragments = st.sampled_from([
    "not", "weight=2", "weight=x", "tokenize=intl", "stem=no", "scale=0-1", "contains", "icontains",
    "bleu>=0.3", "bleu>=", "regex", "length", "judge", "is-json", "json-schema", "contains-all",
    "(", "[", "@", "@@", "..", "3", "<a:b>", "{}", '{"type":"x"}', "", "a,,b", "[\"x\"]", "{{x}}"])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.lists(fragments, min_size=1, max_size=6).map(":".join)))
def test_any_text_parses_or_raises_spec_error(tmp_path_factory, text):
    base = tmp_path_factory.getbasetemp()
    try:
        evaluator = parse_spec(text, base_dir=base)
    except SpecError as exc:
        assert str(exc)
    else:
        assert parse_spec(evaluator.spec(), base_dir=base) == evaluator


# -- the picker's view of a spec: its fields as written ----------------------------------------

from hypothesis import given, strategies as st  # noqa: E402

from desktop.core.evaluators import KINDS as _KINDS, SpecParts, join_spec, split_spec  # noqa: E402

_VALUE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@st.composite
def _parts(draw) -> SpecParts:
    kind = draw(st.sampled_from([k for k in _KINDS if k not in ("bleu", "rouge-l", "judge")]))
    threshold = draw(st.none() | st.sampled_from(["0.5", "1", ".25", "0"]))
    weight = draw(st.none() | st.sampled_from(["2", "0", "0.5"]))
    value = draw(st.none() | _VALUE)
    return SpecParts(kind, value, threshold, draw(st.booleans()), weight)


@given(_parts())
def test_split_reads_back_what_join_wrote(parts):
    assert split_spec(join_spec(parts)) == parts


@given(st.sampled_from(["contains:refund", "not:icontains:as an AI", "length:..280",
                        "weight=2:equals:{{ expected }}", "tokenize=intl:bleu>=0.25",
                        "stem=no:rouge-l>=0.4:{{ summary }}", "is-json",
                        "scale=0-1:judge>=0.7:<ollama/llama3:8b>:Is it polite?",
                        "regex:^\\d{4}-\\d{2}-\\d{2}$", "contains: two  spaces :colon: "]))
def test_join_writes_back_what_split_read(text):
    assert join_spec(split_spec(text)) == text


def test_split_refuses_what_parse_refuses():
    for bad in ("", "nope:x", "not:not:contains:x", "contains>=abc:x", "stem=no:bleu"):
        with pytest.raises(SpecError):
            split_spec(bad)
