"""Training: learning-rate schedules, the AdamW set-up for fine-tuning, and the `Learner`."""
