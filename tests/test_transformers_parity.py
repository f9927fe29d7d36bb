"""`Learner.fit` is the transformers fine-tuning recipe, step for step.

The real MiniLM-L6 is fine-tuned on real movie-review sentences twice from the same weights:
once by ``Learner.fit`` (its own batching, tokenizer, schedule and fused AdamW), once by a plain
``BertForSequenceClassification`` + ``torch.optim.AdamW`` loop with the transformers recipe
(decay 0.01 except LayerNorm weights and biases, eps 1e-6, global-norm clipping at 1,
``get_linear_schedule_with_warmup``), fed the very batches the Learner drew. With dropout off,
the two must report the same loss after every step: any difference in tokenization, padding,
masking, loss, clipping, decay, schedule or the Adam update would show.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import bertkit
from bertkit.tasks.classification import TextClassifier

pytestmark = pytest.mark.skipif(keras.backend.backend() != "torch",
                                reason="compares against a torch training loop")


def test_learner_fit_matches_a_transformers_loop_on_the_same_batches(minilm_dir):
    import torch
    import transformers
    from transformers import BertForSequenceClassification, get_linear_schedule_with_warmup

    from bertkit.datasets import pang_lee_sentences

    transformers.logging.set_verbosity_error()
    texts, labels = pang_lee_sentences()
    pick = np.random.default_rng(0).permutation(len(texts))[:192]
    train = bertkit.TextExamples([texts[i] for i in pick], [labels[i] for i in pick])

    # bertkit, every dropout off
    keras.utils.set_random_seed(0)
    loaded = bertkit.load_backbone(minilm_dir)
    backbone = bertkit.BertBackbone.from_config(
        {**loaded.get_config(), "hidden_dropout": 0.0, "attention_dropout": 0.0})
    backbone.set_weights(loaded.get_weights())
    model = TextClassifier(backbone, num_classes=2, dropout=0.0)
    learner = bertkit.Learner(model, bertkit.load_tokenizer(minilm_dir), train, batch_size=32,
                              max_len=48, seed=0)
    batches = learner._batches(learner.train_data, training=True).batches
    batches.set_epoch(0)
    order = [batches.batch_indices(i) for i in range(len(batches))]

    # transformers, from the same weights (its head copied from bertkit's random one)
    hf = BertForSequenceClassification.from_pretrained(
        minilm_dir, num_labels=2, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
        classifier_dropout=0.0)
    head = model.get_layer("classifier_head")
    with torch.no_grad():
        hf.classifier.weight.copy_(torch.tensor(keras.ops.convert_to_numpy(head.kernel).T))
        hf.classifier.bias.copy_(torch.tensor(keras.ops.convert_to_numpy(head.bias)))

    running: list[float] = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            running.append(float(logs["loss"]))  # Keras' running mean over the epoch

    learner.fit(1e-4, epochs=1, warmup=0.1, callbacks=[Record()], verbose=0)

    no_decay = ("bias", "LayerNorm.weight")
    named = list(hf.named_parameters())
    optimizer = torch.optim.AdamW(
        [{"params": [p for n, p in named if not any(k in n for k in no_decay)],
          "weight_decay": 0.01},
         {"params": [p for n, p in named if any(k in n for k in no_decay)], "weight_decay": 0.0}],
        lr=1e-4, betas=(0.9, 0.999), eps=1e-6)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.1 * len(order)), len(order))
    tokenizer = transformers.AutoTokenizer.from_pretrained(minilm_dir)
    y = learner.label_map.encode(train.labels)
    hf.train()
    reference, total, seen = [], 0.0, 0
    for rows in order:
        batch = tokenizer([train.texts[i] for i in rows], padding=True, truncation=True,
                          max_length=48, return_tensors="pt")
        loss = hf(**batch, labels=torch.tensor(y[rows], dtype=torch.long)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(hf.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        total, seen = total + float(loss.detach()) * len(rows), seen + len(rows)
        reference.append(total / seen)

    assert len(running) == len(reference) == 6
    assert abs(reference[-1] - reference[0]) > 1e-3, "the loss did not move: nothing compared"
    np.testing.assert_allclose(running, reference, atol=2e-5)
