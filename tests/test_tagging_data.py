"""Tagging schemes, data readers and validation, token alignment and entity metrics."""

from __future__ import annotations

import json

import numpy as np
import pytest

import bertkit
from bertkit.data import DataError
from bertkit.tasks.tagging import (TaggedExamples, TagScheme, entity_report, load_tagged,
                                   read_char_tags, read_entities_jsonl)
from bertkit.tasks.tagging.batches import TaggingBatches, encode_texts
from bertkit.tasks.tagging.data import char_spans_to_token_spans, token_tags_to_char_spans
from conftest import TINY_TF


# ---- schemes -------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme, tags", [
    ("BIO", ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "I-LOC"]),
    ("BMES", ["B-PER", "E-PER", "O", "S-LOC", "B-LOC", "M-LOC", "E-LOC"]),
])
def test_spans_and_tags_round_trip(scheme, tags):
    spans = [(0, 2, "PER"), (3, 4, "LOC"), (4, 7, "LOC")]
    s = TagScheme(scheme, ["LOC", "PER"])
    assert s.spans_to_tags(spans, 7) == tags
    assert s.tags_to_spans(tags, strict=True) == spans
    assert [s.tags[s.tag_id(t)] for t in tags] == tags
    assert s.tags[0] == "O" and s.num_tags == 1 + 2 * (2 if scheme == "BIO" else 4)


def test_lenient_decoding_repairs_and_strict_decoding_names_the_position():
    bio = TagScheme("BIO", ["LOC", "PER"])
    # a stray I- starts an entity; a type change inside an entity splits it (conlleval)
    assert bio.tags_to_spans(["O", "I-PER", "I-PER", "I-LOC", "O"]) == [
        (1, 3, "PER"), (3, 4, "LOC")]
    with pytest.raises(DataError, match="position 1: 'I-PER' continues no PER entity"):
        bio.tags_to_spans(["O", "I-PER"], strict=True)
    bmes = TagScheme("BMES", ["PER"])
    assert bmes.tags_to_spans(["B-PER", "M-PER", "O", "E-PER"]) == [(0, 2, "PER"),
                                                                    (3, 4, "PER")]
    with pytest.raises(DataError, match="position 2: entity 'PER' opened at 0 is not closed"):
        bmes.tags_to_spans(["B-PER", "M-PER", "O"], strict=True)
    with pytest.raises(DataError, match="unknown tag 'B-ORG'.*not one of the types"):
        bmes.tag_id("B-ORG")
    with pytest.raises(DataError, match="unknown tag 'I-PER'.*BMES tags are O or B/M/E/S"):
        bmes.tag_id("I-PER")
    with pytest.raises(DataError, match="overlaps another span"):
        bio.spans_to_tags([(0, 3, "PER"), (2, 4, "LOC")], 5)


# ---- examples and readers ------------------------------------------------------------------

def test_bad_examples_are_errors_naming_the_example():
    with pytest.raises(DataError, match=r"example 1: entity \(3, 9, 'LOC'\) lies outside"):
        TaggedExamples(["北京欢迎你", "我在上海"], [[(0, 2, "LOC")], [(3, 9, "LOC")]])
    with pytest.raises(DataError, match="example 0: entities .* overlap"):
        TaggedExamples(["北京大学"], [[(0, 4, "ORG"), (0, 2, "LOC")]])
    with pytest.raises(DataError, match="example 0: entity .* has no type"):
        TaggedExamples(["北京"], [[(0, 2, "")]])
    with pytest.raises(DataError, match="2 texts but 1 entity lists"):
        TaggedExamples(["a", "b"], [[]])
    pairs = load_tagged([("我在上海", [(2, 4, "LOC")]), ("你好", [])])
    assert pairs.entity_texts(0) == ["上海"] and pairs.types == ["LOC"]


def test_char_tag_files_bio_and_bmes_with_line_numbers(tmp_path):
    bmes = tmp_path / "msra.txt"
    bmes.write_bytes("我 O\r\n在 O\r\n北 B-LOC\r\n京 E-LOC\r\n\r\n李 S-PER\r\n好 O\r\n".encode())
    ex = read_char_tags(bmes)
    assert ex.texts == ["我在北京", "李好"]
    assert ex.entities == [[(2, 4, "LOC")], [(0, 1, "PER")]]
    assert ex.sources == ["msra.txt line 1", "msra.txt line 6"]
    bio = tmp_path / "bio.tsv"
    bio.write_text("張\tB-PER\n三\tI-PER\n \tO\n去\tO\n", encoding="utf-8")
    ex = read_char_tags(bio)
    assert ex.texts == ["張三 去"] and ex.entities == [[(0, 2, "PER")]]
    broken = tmp_path / "broken.txt"
    broken.write_text("我 O\n在 O\n\n京 E-LOC\n欢 O\n", encoding="utf-8")
    with pytest.raises(DataError, match="broken.txt line 4: 'E-LOC' continues no LOC entity"
                                        ".*strict=False"):
        read_char_tags(broken)
    assert read_char_tags(broken, strict=False).entities == [[], [(0, 1, "LOC")]]
    bad = tmp_path / "bad.txt"
    bad.write_text("我 O\n在 X-LOC\n", encoding="utf-8")
    with pytest.raises(DataError, match="bad.txt line 2: unknown tag 'X-LOC'"):
        read_char_tags(bad)


def test_jsonl_reader_validates_each_line(tmp_path):
    good = tmp_path / "ner.jsonl"
    rows = [{"text": "Obama visited Shanghai", "entities": [
        {"start": 0, "end": 5, "type": "PER"}, {"start": 14, "end": 22, "label": "LOC"}]},
        {"text": "nothing here", "entities": []}]
    good.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    ex = read_entities_jsonl(good)
    assert ex.entity_texts(0) == ["Obama", "Shanghai"] and ex.entities[1] == []
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(rows[0]) + "\n" + json.dumps(
        {"text": "short", "entities": [{"start": 2, "end": 40, "type": "LOC"}]}) + "\n",
        encoding="utf-8")
    with pytest.raises(DataError, match="bad.jsonl line 2: entity .* lies outside the text"):
        load_tagged(str(bad))
    bad.write_text('{"text": "x", "entities": [{"start": "a"}]}\n', encoding="utf-8")
    with pytest.raises(DataError, match="bad.jsonl line 1: entity .* needs integer 'start'"):
        read_entities_jsonl(bad)


# ---- alignment with tokens -----------------------------------------------------------------

def test_wordpiece_alignment_labels_every_piece_and_maps_back_to_characters():
    tokenizer = bertkit.load_tokenizer(TINY_TF)
    text = "Obama visited 上海 today"
    [(ids, offsets, labelled)] = encode_texts(tokenizer, [text], 32)
    assert not labelled[0] and not labelled[-1]  # [CLS], [SEP]
    spans, dropped = char_spans_to_token_spans([(0, 5, "PER"), (14, 16, "LOC")], offsets,
                                               labelled)
    assert dropped == 0 and spans == [(1, 3, "PER"), (6, 8, "LOC")]  # ob ##ama / 上 海
    scheme = TagScheme("BIO", ["LOC", "PER"])
    batches = TaggingBatches(TaggedExamples([text], [[(0, 5, "PER"), (14, 16, "LOC")]]),
                             tokenizer, scheme, shuffle=False)
    inputs, tags = batches[0]
    assert [scheme.tags[t] if t >= 0 else None for t in tags[0]] == [
        None, "B-PER", "I-PER", "O", "O", "O", "B-LOC", "I-LOC", "O", None]
    assert token_tags_to_char_spans(scheme, tags[0], offsets, labelled) == [
        (0, 5, "PER"), (14, 16, "LOC")]


def test_char_mode_truncation_drops_entities_beyond_max_len():
    tokenizer = bertkit.load_tokenizer(TINY_TF, mode="char")
    ex = TaggedExamples(["我在北京和上海"], [[(2, 4, "LOC"), (5, 7, "LOC")]])
    batches = TaggingBatches(ex, tokenizer, TagScheme("BMES", ["LOC"]), max_len=6)
    assert batches.dropped_entities == 1  # [CLS] 我 在 北 京 [SEP]
    _, tags = batches[0]
    assert tags.shape == (1, 6) and tags[0, 3] == 1 and tags[0, 4] == 3  # B-LOC, E-LOC


# ---- metrics -------------------------------------------------------------------------------

def test_entity_metrics_exact_typed_match_per_type_and_micro():
    gold = [[(0, 2, "PER"), (5, 7, "LOC")], [(1, 3, "ORG")], []]
    pred = [[(0, 2, "PER"), (5, 7, "ORG")], [(1, 3, "ORG"), (4, 5, "LOC")], [(0, 1, "PER")]]
    r = entity_report(gold, pred)
    assert r.per_type["PER"] == pytest.approx(
        {"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1, "predicted": 2,
         "correct": 1})
    assert r.per_type["LOC"]["f1"] == 0.0 and r.per_type["LOC"]["support"] == 1
    assert r.per_type["ORG"]["precision"] == 0.5 and r.per_type["ORG"]["recall"] == 1.0
    assert r.micro["precision"] == pytest.approx(2 / 5)
    assert r.micro["recall"] == pytest.approx(2 / 3)
    assert r.f1 == pytest.approx(2 * 0.4 * (2 / 3) / (0.4 + 2 / 3))
    assert r.macro["f1"] == pytest.approx((2 / 3 + 0 + 2 / 3) / 3)
    assert "micro avg" in str(r) and json.dumps(r.as_dict())
    perfect = entity_report(gold, [list(g) for g in gold])
    assert perfect.f1 == 1.0
    # a boundary off by one is wrong, as is the right span with the wrong type
    assert entity_report([[(0, 2, "PER")]], [[(0, 3, "PER")]]).f1 == 0.0
    assert np.isclose(entity_report([[]], [[]]).f1, 0.0)
