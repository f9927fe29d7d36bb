"""Training: the loop every task's learner shares (`bertkit.training.base.BaseLearner`: fit with
warmup and decay or one-cycle, exact resume, autofit, lr_find, validate), the AdamW set-up for
fine-tuning (layer-wise decay, a faster head), learning-rate schedules and resumable checkpoints.
The task learners (`bertkit.Learner`, `TaggingLearner`, ...) live with their tasks."""
