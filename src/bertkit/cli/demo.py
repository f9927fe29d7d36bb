"""The main job, end to end on shipped parts: ``bertkit demo``.

Fine-tunes the real all-MiniLM-L6-v2 encoder on 4,000 movie-review sentences (Pang & Lee),
prints validation accuracy, saves a predictor, loads it back and labels a few new sentences.
"""

from __future__ import annotations

import time

NEW_SENTENCES = [
    "a gripping, beautifully acted film that stays with you long after the credits.",
    "tedious, overlong and utterly predictable from the first scene.",
    "the jokes land, the cast is charming, and it never overstays its welcome.",
    "a mess of a movie with nothing new to say.",
]


def run_demo(out: str = "bertkit_demo", epochs: int = 2, limit: int | None = None,
             lr: float = 1e-4, batch_size: int = 32, max_len: int = 64) -> float:
    """Run the demo; returns the validation accuracy."""
    import bertkit
    from bertkit.data import TextExamples
    from bertkit.hardware import preferred_dtype
    from bertkit.datasets import pang_lee_sentences

    texts, labels = pang_lee_sentences()
    names = ["negative", "positive"]
    examples = TextExamples(texts=texts, labels=[names[y] for y in labels])
    if limit:
        examples = examples.split(1 - limit / len(examples), seed=1)[0]
    train, valid = examples.split(0.1, seed=0)
    print(f"Pang & Lee review sentences: {len(train)} to train on, {len(valid)} to validate.")
    start = time.perf_counter()
    learner = bertkit.Learner.for_classification(
        "all-MiniLM-L6-v2", train, valid, batch_size=batch_size, max_len=max_len,
        dtype=preferred_dtype())
    learner.fit(lr, epochs)
    report = learner.validate(plot_path=f"{out}_confusion_matrix.png")
    print(f"validation accuracy {report.accuracy:.4f} after {epochs} epochs "
          f"({time.perf_counter() - start:.0f} s)")
    learner.get_predictor().save(out)
    predictor = bertkit.load_predictor(out)
    print(f"predictor saved to {out}/ and loaded back; on new sentences:")
    for text, label, probs in zip(NEW_SENTENCES, predictor.predict(NEW_SENTENCES),
                                  predictor.predict_proba(NEW_SENTENCES)):
        print(f"  {label:8s} ({probs.max():.2f})  {text}")
    return report.accuracy
