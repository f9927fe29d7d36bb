"""The command line reads the files users have, with flags alone: headerless CSVs with numeric
labels, a UTF-8 BOM, quoted multi-line HTML e-mails, stray latin-1 bytes, a text column that is
not the last (``tests/fixtures/tables``); and its error messages name the flags, the file and
the line, with long values cut.

One test trains (1 epoch on the tiny TF checkpoint); the others load the files through the same
option path (`load_table_examples` on the parsed arguments) or stop before a model is loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bertkit.cli import build_parser, main
from bertkit.data import StreamingExamples
from bertkit.errors import ConfigError
from bertkit.tasks.common.tables import load_table_examples
from conftest import TINY_TF

TABLES = Path(__file__).parent / "fixtures" / "tables"
EMAILS = TABLES / "spam_emails.csv"
EMAILS_VALID = TABLES / "spam_emails_valid.csv"
TWEETS = TABLES / "tweets_latin1.csv"
BY_POSITION = ["--no-header", "--text-column", "1", "--label-column", "0"]
TWEET_COLUMNS = ["--no-header", "--text-column", "0", "--label-column", "1"]


def train_args(data: Path, *flags: str) -> list[str]:
    return ["train", "--data", str(data), "--model", str(TINY_TF), "--out", "unused", *flags]


def examples(data: Path, *flags: str):
    """``(train, valid)`` as ``bertkit train`` reads them, without training."""
    return load_table_examples(build_parser().parse_args(train_args(data, *flags)))


def fails(capsys, argv: list[str]) -> str:
    """The error ``bertkit`` prints for ``argv`` (which must fail as a user error)."""
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_headerless_emails_with_a_bom_and_multiline_html_load_by_position():
    train, valid = examples(EMAILS, *BY_POSITION, "--valid-fraction", "0.25")
    texts, labels = train.texts + valid.texts, train.labels + valid.labels
    assert len(texts) == 16 and sorted(set(labels)) == ["-1", "1"]
    assert labels.count("1") == labels.count("-1") == 8  # the BOM did not stick to a label
    assert not any("\ufeff" in text for text in texts)
    assert any(t.startswith("<html><body><p>Dear friend,</p>\r\n") and "<b>FREE</b>" in t
               and '<a href="http://example.com/win">' in t for t in texts)


def test_stray_latin1_bytes_in_a_text_column_that_is_not_the_last(capsys):
    err = fails(capsys, train_args(TWEETS, *TWEET_COLUMNS))
    assert f"{TWEETS} line 3: bytes b'\\xe9'" in err
    assert "--encoding latin-1" in err and "--encoding-errors replace" in err
    assert "encoding=" not in err

    train, valid = examples(TWEETS, *TWEET_COLUMNS, "--encoding-errors", "replace")
    texts = train.texts + valid.texts
    assert "caf\ufffd au lait on a rainy morning, perfect" in texts
    assert "Paid \ufffd10 for this?! total rip-off" in texts
    assert "Sunny day at the beach \U0001F60E" in texts  # valid UTF-8 is kept
    assert sorted(set(train.labels + valid.labels)) == ["-1", "1"]  # not the user column

    train, _ = examples(TWEETS, *TWEET_COLUMNS, "--encoding", "latin-1")
    assert "café au lait on a rainy morning, perfect" in train.texts + _.texts

    train, valid = examples(TWEETS, *TWEET_COLUMNS, "--encoding-errors", "replace", "--stream",
                            "--valid", str(TWEETS))
    assert isinstance(train, StreamingExamples) and len(train) == 8 == len(valid)
    assert ("Paid \ufffd10 for this?! total rip-off", None, "-1") in list(train)


def test_a_headerless_file_read_by_name_says_which_flags_fix_it_and_cuts_the_email(
        tmp_path, capsys):
    data = tmp_path / "spam.csv"
    email = "<html><body>" + "Buy now, cheap pills! " * 500 + "</body></html>"  # 11 KB
    data.write_text(f'1,"{email}"\n-1,"see you at lunch"\n', encoding="utf-8")
    err = fails(capsys, train_args(data, "--text-column", "1", "--label-column", "0"))
    assert "--no-header --text-column 1 --label-column 0" in err
    assert "text_column" not in err and "label_column" not in err
    assert "Buy now, cheap pills!" in err and "…" in err and len(err) < 600

    err = fails(capsys, train_args(data, "--no-header", "--text-column", "1"))
    assert "--no-header reads the columns by position: give --label-column a number" in err
    err = fails(capsys, train_args(data, "--no-header", "--text-column", "2",
                                   "--label-column", "0"))
    assert "--text-column 2 but the rows have 2 fields (positions 0..1)" in err
    err = fails(capsys, train_args(data, *BY_POSITION, "--encoding", "klingon"))
    assert "--encoding klingon is not a known text encoding" in err


def test_an_unseen_label_in_valid_names_the_file_the_line_and_the_known_labels(
        tmp_path, capsys):
    train, valid = tmp_path / "train.tsv", tmp_path / "valid.tsv"
    names = [f"category number {i}" for i in range(60)]
    train.write_text("text\tlabel\n" + "".join(f"t{i}\t{n}\n" for i, n in enumerate(names)),
                     encoding="utf-8")
    valid.write_text(f"text\tlabel\nok\t{names[0]}\nbad\t{'x' * 5000}\n", encoding="utf-8")
    err = fails(capsys, train_args(train, "--valid", str(valid)))
    assert f"{valid} line 3: unknown label 'xxx" in err and "…" in err
    assert "the 60 allowed labels (--data) are ['category number 0', " in err
    assert "..." in err and "category number 59" not in err and len(err) < 800

    err = fails(capsys, train_args(EMAILS, *BY_POSITION, "--valid", str(EMAILS_VALID)))
    assert f"{EMAILS_VALID} lines 7-9: unknown label '0'" in err
    assert "the 2 allowed labels (--data) are ['-1', '1']" in err
    assert "--skip-bad-rows" in err and "labels=" not in err

    with pytest.warns(UserWarning, match="spam_emails_valid.csv: skipped 1 bad row"):
        _, valid = examples(EMAILS, *BY_POSITION, "--valid", str(EMAILS_VALID),
                            "--skip-bad-rows")
    assert sorted(valid.labels) == ["-1", "1", "1"]


def test_train_predict_and_evaluate_with_flags_alone(tmp_path, capsys):
    out = tmp_path / "spam_model"
    assert main(["train", "--data", str(EMAILS), *BY_POSITION, "--valid-fraction", "0.25",
                 "--model", str(TINY_TF), "--out", str(out), "--epochs", "1",
                 "--max-len", "32", "--batch-size", "8"]) == 0
    assert (out / "predictor.json").exists()

    texts = str(TABLES / "texts_latin1.txt")
    err = fails(capsys, ["predict", "--model", str(out), "--file", texts])
    assert f"{texts} line 1: bytes b'\\xe9'" in err and "--encoding latin-1" in err
    assert main(["predict", "--model", str(out), "--file", texts, "--encoding", "latin-1"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["text"] for row in rows] == ["Café crème, s'il vous plaît",
                                             "Naïve offer: win £100 now"]
    assert all(row["label"] in ("-1", "1") for row in rows)

    pairs = str(TABLES / "pairs_latin1.tsv")
    assert main(["predict", "--model", str(out), "--pairs-file", pairs,
                 "--encoding-errors", "replace"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["text"] == "O\ufffd est la gare?" and row["second"].endswith("caf\ufffd.")

    assert main(["evaluate", "--model", str(out), "--data", str(TWEETS), *TWEET_COLUMNS,
                 "--encoding", "latin-1"]) == 0
    assert "accuracy" in capsys.readouterr().out


def test_no_header_columns_must_be_positions():
    args = build_parser().parse_args(train_args(EMAILS, "--no-header", "--text-column", "body",
                                                "--label-column", "0"))
    with pytest.raises(ConfigError, match="give --text-column a number .* not 'body'"):
        load_table_examples(args)


SAVED = Path(__file__).parent / "fixtures" / "saved_predictors"
GBK_FILES = [("train-tagger", "token_tagging", "msra_gbk.txt", "micro avg     0.0000  0.0000  "
                                                                "0.0000        6"),
             ("train-span", "span_extraction", "spans_gbk.jsonl", '"examples": 2'),
             ("train-relation", "relation_extraction", "relations_gbk.jsonl", '"gold": 2')]


@pytest.mark.parametrize("command,predictor,name,report", GBK_FILES,
                         ids=[g[0] for g in GBK_FILES])
def test_tagger_span_and_relation_files_in_gbk(command, predictor, name, report, tmp_path,
                                               capsys):
    data = str(TABLES / name)
    err = fails(capsys, ["evaluate", "--model", str(SAVED / predictor), "--data", data])
    assert f"{name} line 1: bytes b'\\x" in err and "--encoding gbk" in err
    assert main(["evaluate", "--model", str(SAVED / predictor), "--data", data,
                 "--encoding", "gbk"]) == 0
    assert report in capsys.readouterr().out  # every example was read

    train = [command, "--data", data, "--valid", data, "--out", str(tmp_path / "out")]
    err = fails(capsys, [*train, "--model", str(TINY_TF)])
    assert f"{name} line 1: bytes b'\\x" in err and "--encoding gbk" in err
    # Read with --encoding gbk, the data is fine: the command goes on to the missing model.
    err = fails(capsys, [*train, "--model", str(tmp_path / "no_model"), "--encoding", "gbk"])
    assert "no_model" in err and "line 1" not in err
