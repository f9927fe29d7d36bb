"""`BaseLearner`: the training loop every task shares (schedules, checkpoints, lr_find, autofit).

A task's learner subclasses it and says how to read its examples (``_examples``), how to turn
them into batches (``_batches``) and what to predict with (``get_predictor``); its model
brings its own loss (``loss_function()``) and metrics (``metrics_for_task()``), its predictor
the evaluation (``evaluate(examples) -> Report``). Fitting with warmup and decay, one-cycle,
exact resume after interruption, early stopping, the learning rate finder and ``validate``
then come for free.
"""

from __future__ import annotations

import os
import shutil
from typing import Any, Sequence

import keras
import numpy as np

from bertkit._logging import get_logger
from bertkit.errors import TrainingError
from bertkit.prediction.report import Report
from bertkit.training.checkpoint import TrainingCheckpoint, read_state, restore_state
from bertkit.training.interrupts import stop_on_sigterm
from bertkit.training.lr_finder import LRFinder
from bertkit.training.optimization import OneCycle, WarmupLinearDecay, create_optimizer
from bertkit.training.progress import keras_progress, resolve_verbose
from bertkit.training.random_stream import RandomStream
from bertkit.training.run_identity import differences, fingerprint, weights_digest

log = get_logger(__name__)


class _FitBatches(keras.utils.PyDataset):
    """Batches for ``model.fit`` whose epoch is set by the training loop (`_SetEpoch`).

    Keras calls ``on_epoch_end`` also after drawing a batch to build the model, so counting those
    calls would shift every epoch's order; here the order of each epoch depends on
    ``(seed, epoch)`` alone, which is what exact resumption needs. ``skip`` drops the first
    batches (to finish an interrupted epoch); a one-logit binary head gets float ``(B, 1)``
    targets.
    """

    def __init__(self, batches: Any, binary: bool = False, skip: int = 0) -> None:
        super().__init__()
        self.batches, self.binary, self.skip = batches, binary, skip

    def __len__(self) -> int:
        return len(self.batches) - self.skip

    def __getitem__(self, index: int):
        inputs, labels = self.batches[index + self.skip]
        if self.binary:
            labels = np.asarray(labels, np.float32).reshape(-1, 1)
        return inputs, labels

    def set_epoch(self, epoch: int) -> None:
        if hasattr(self.batches, "set_epoch"):
            self.batches.set_epoch(epoch)

    def on_epoch_end(self) -> None:
        if not hasattr(self.batches, "set_epoch"):  # streaming data keeps its own epochs
            self.batches.on_epoch_end()


class _SetEpoch(keras.callbacks.Callback):
    def __init__(self, batches: _FitBatches) -> None:
        super().__init__()
        self.batches = batches

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.batches.set_epoch(epoch)


class BaseLearner:
    """Fits ``model`` on batches of examples; subclasses define the task-specific parts.

    Subclasses set ``self.train_data`` / ``self.valid_data`` and implement ``_batches(data,
    training)`` returning a sequence of ``(inputs, targets)`` batches (with ``set_epoch(epoch)``
    for a per-epoch order, as `bertkit.data.TextBatches`), wrapped in ``_FitBatches``.
    """

    def __init__(self, model: keras.Model, tokenizer: Any, *, batch_size: int = 32,
                 max_len: int = 128, eval_batch_size: int = 64, seed: int = 0,
                 weight_decay: float = 0.01, gradient_accumulation_steps: int = 1,
                 layerwise_decay: float | None = None, head_lr_multiplier: float = 1.0,
                 workdir: str = "bertkit_runs") -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.max_len = max_len
        self.eval_batch_size = eval_batch_size
        self.seed = seed
        self.weight_decay = weight_decay
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.layerwise_decay = layerwise_decay
        self.head_lr_multiplier = head_lr_multiplier
        self.workdir = workdir
        self.history: list[dict[str, list[float]]] = []
        # A digest of the encoder's weights when the first fit starts: part of what identifies
        # a run, so another --model is refused.
        self._encoder_digest: str | None = None
        self.train_data: Any = None
        self.valid_data: Any = None

    def _examples(self, data: Any) -> Any:
        """``data`` (a path, a DataFrame, pairs, ...) as the task's examples."""
        raise NotImplementedError(f"{type(self).__name__} must say how to read its data.")

    def _batches(self, data: Any, training: bool) -> _FitBatches:
        raise NotImplementedError(f"{type(self).__name__} must say how to batch its data.")

    def get_predictor(self, batch_size: int | None = None) -> Any:
        """The task's predictor, sharing this learner's model."""
        raise NotImplementedError(f"{type(self).__name__} must say what it predicts with.")

    # ---- evaluation ------------------------------------------------------------------------
    def _validation_examples(self, data: Any) -> Any:
        examples = self.valid_data if data is None else self._examples(data)
        if examples is None:
            raise TrainingError("no validation data: pass data to validate, or valid_data to "
                                "the learner.")
        return examples

    def validate(self, data: Any = None, *, print_report: bool = True,
                 plot_dir: str | None = None) -> Report:
        """The task's report (see its predictor's ``evaluate``) on ``data`` (default: the
        validation data); logged unless ``print_report=False``; its plots drawn into
        ``plot_dir`` when given."""
        report = self.get_predictor().evaluate(self._validation_examples(data))
        if print_report:
            log.info("%s", report)
        if plot_dir:
            for path in report.plot(plot_dir):
                log.info("%s saved", path)
        return report

    # ---- training --------------------------------------------------------------------------
    def _optimizer(self, schedule: Any) -> keras.optimizers.Optimizer:
        return create_optimizer(
            schedule, weight_decay=self.weight_decay,
            gradient_accumulation_steps=self.gradient_accumulation_steps,
            layerwise_decay=self.layerwise_decay, head_lr_multiplier=self.head_lr_multiplier,
            model=self.model)

    def _compile(self, schedule: Any) -> None:
        # Models with several outputs weigh their losses (``loss_weights_for_task``); others don't.
        weights = getattr(self.model, "loss_weights_for_task", None)
        self.model.compile(optimizer=self._optimizer(schedule), loss=self.model.loss_function(),
                           loss_weights=weights() if weights else None,
                           metrics=self.model.metrics_for_task())

    def _task_identity(self) -> dict[str, Any]:
        """What besides the model and data defines this task's run (labels, a tag scheme...)."""
        return {}

    def _run_identity(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Everything that defines this run (see `bertkit.training.run_identity`)."""
        model = self.model
        return {**settings, "max_len": self.max_len,
                "model": {"class": type(model).__name__, "head": model.head_config(),
                          "encoder_family": model.backbone.family,
                          "encoder": model.backbone.encoder_config(),
                          "dtype": model.backbone.layer_dtype_policy.name},
                "encoder_weights": self._encoder_digest, "task": self._task_identity(),
                "data": fingerprint(self.train_data)}

    def _resume_from(self, checkpoint_dir: str | None, identity: dict[str, Any],
                     overwrite: bool) -> dict[str, Any] | None:
        """The saved state to resume from (its weights restored) when ``checkpoint_dir`` holds
        this run; a state of another run is refused unless ``overwrite`` deletes it."""
        state = read_state(checkpoint_dir)
        if state is None:
            return None
        assert checkpoint_dir is not None
        if overwrite:
            shutil.rmtree(checkpoint_dir)
            log.info("%s: the previous run's state was deleted (overwrite).", checkpoint_dir)
            return None
        changed = differences(state.get("run", {}), identity)
        if changed:
            raise TrainingError(
                f"{checkpoint_dir} holds the state of another run: its {', '.join(changed)} "
                f"differ from this run's. Use another output directory, or start afresh with "
                f"--overwrite (fit(..., overwrite=True); or delete {checkpoint_dir}).")
        restore_state(self.model, checkpoint_dir, state)
        if state.get("finished"):
            log.info("%s: this run already finished; its weights are restored (pass "
                     "--overwrite to train again).", checkpoint_dir)
        else:
            log.info("Resuming from %s: epoch %d, batch %d.", checkpoint_dir,
                     state["epoch"] + 1, state["batch"])
        return state

    def fit(self, lr: float, epochs: int = 1, *, warmup: float = 0.1, schedule: str = "linear",
            checkpoint_dir: str | None = None, save_every: int | None = None,
            overwrite: bool = False, callbacks: Sequence[keras.callbacks.Callback] = (),
            verbose: Any = "auto") -> dict[str, list[float]]:
        """Train for ``epochs`` with AdamW and a learning-rate schedule peaking at ``lr``.

        ``schedule``: ``"linear"`` (warmup over the first ``warmup`` fraction of steps, then
        linear decay to 0), ``"onecycle"`` or ``"constant"``. With ``checkpoint_dir`` the
        training state is saved at every epoch end (and every ``save_every`` batches, and when
        stopped by Ctrl-C, SIGTERM or an error); calling ``fit`` again with the same run (same
        settings, model, labels and data) resumes exactly where it stopped. A checkpoint of
        another run is refused; ``overwrite=True`` deletes it and starts afresh. ``verbose``:
        ``"auto"`` shows Keras' progress bar on a terminal and logs a line every tenth of an
        epoch elsewhere (log files, CI).
        """
        train = self._batches(self.train_data, training=True)
        valid = self._batches(self.valid_data, training=False) if self.valid_data else None
        steps = len(train) * epochs
        if schedule == "linear":
            lr_schedule: Any = WarmupLinearDecay(lr, steps, warmup_steps=int(warmup * steps))
        elif schedule == "onecycle":
            lr_schedule = OneCycle(lr, steps)
        elif schedule == "constant":
            lr_schedule = float(lr)
        else:
            raise TrainingError(
                f"schedule must be 'linear', 'onecycle' or 'constant', not {schedule!r}.")
        if self._encoder_digest is None:
            self._encoder_digest = weights_digest(self.model.backbone)
        # What identifies the run (a data fingerprint among it): only a checkpoint needs it.
        identity = self._run_identity(
            {"lr": lr, "epochs": epochs, "schedule": schedule, "warmup": warmup,
             "steps_per_epoch": len(train), "batch_size": self.batch_size,
             "seed": self.seed}) if checkpoint_dir else {}
        self._compile(lr_schedule)
        state = self._resume_from(checkpoint_dir, identity, overwrite)
        first_epoch, first_batch = (state["epoch"], state["batch"]) if state else (0, 0)
        # Own callbacks go first: the checkpoint has saved before a user callback can stop
        # training, and it saves the random state the stream recorded after the same step.
        stream = RandomStream(resume_from=state.get("random_state") if state else None)
        stream.restore_seed_generators(self.model)
        checkpoint = None
        own_callbacks: list[keras.callbacks.Callback] = [stream]  # before the checkpoint
        if checkpoint_dir:
            checkpoint = TrainingCheckpoint(checkpoint_dir, identity, len(train), save_every,
                                            stream)
            own_callbacks.append(checkpoint)
        keras_verbose, progress = keras_progress(verbose)
        own_callbacks += progress
        history: dict[str, list[float]] = {}

        def run(data: _FitBatches, first: int, last: int) -> None:
            # shuffle=False: the batches shuffle themselves, per epoch, through _SetEpoch.
            h = self.model.fit(data, validation_data=valid, shuffle=False, initial_epoch=first,
                               epochs=last,
                               callbacks=[*own_callbacks, _SetEpoch(data), *callbacks],
                               verbose=keras_verbose)
            self._merge(history, h.history)

        try:
            with stop_on_sigterm():
                if first_batch and first_epoch < epochs:  # finish the interrupted epoch first
                    run(_FitBatches(train.batches, train.binary, skip=first_batch), first_epoch,
                        first_epoch + 1)
                    first_epoch += 1
                if first_epoch < epochs:
                    run(train, first_epoch, epochs)
        except BaseException:
            if checkpoint is not None and checkpoint.model is not None:
                checkpoint.save()
                epoch, batch = checkpoint.position()
                log.warning("\nTraining stopped in epoch %d after %d batches; state saved in %s. "
                            "Call fit again with the same arguments to resume.", epoch + 1,
                            batch, checkpoint_dir)
            raise
        if checkpoint is not None and checkpoint.model is not None:
            checkpoint.save(finished=True)
        self.history.append(history)
        return history

    @staticmethod
    def _merge(history: dict[str, list[float]], new: dict[str, list[float]]) -> None:
        for key, values in new.items():
            history.setdefault(key, []).extend(float(v) for v in values)

    def fit_onecycle(self, lr: float, epochs: int = 1, **kwargs: Any) -> dict[str, list[float]]:
        """`fit` with the one-cycle learning-rate policy (ktrain's ``fit_onecycle``)."""
        return self.fit(lr, epochs, schedule="onecycle", **kwargs)

    def autofit(self, lr: float, max_epochs: int = 10, *, early_stopping: int = 2,
                reduce_on_plateau: int = 1, reduce_factor: float = 0.5,
                checkpoint_path: str | None = None, verbose: Any = "auto"
                ) -> dict[str, list[float]]:
        """Train at ``lr`` until validation loss stops improving; keep the best weights.

        Halves the learning rate after ``reduce_on_plateau`` epochs without improvement, stops
        after ``early_stopping`` such epochs, restores the best epoch's weights, and (with
        ``checkpoint_path``) keeps the best weights on disk as training goes.
        """
        if self.valid_data is None:
            raise TrainingError("autofit needs validation data to know when to stop; "
                               "pass valid_data to the Learner.")
        train = self._batches(self.train_data, training=True)
        valid = self._batches(self.valid_data, training=False)
        self._compile(float(lr))
        callbacks: list[keras.callbacks.Callback] = [
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=early_stopping,
                                          restore_best_weights=True),
            keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=reduce_factor,
                                              patience=reduce_on_plateau, min_lr=lr / 100),
        ]
        if checkpoint_path:
            os.makedirs(os.path.dirname(os.path.abspath(checkpoint_path)), exist_ok=True)
            callbacks.append(keras.callbacks.ModelCheckpoint(
                checkpoint_path, monitor="val_loss", save_best_only=True,
                save_weights_only=True))
        keras_verbose, progress = keras_progress(verbose)
        callbacks += progress
        h = self.model.fit(train, validation_data=valid, epochs=max_epochs, shuffle=False,
                           callbacks=[_SetEpoch(train), *callbacks], verbose=keras_verbose)
        history: dict[str, list[float]] = {}
        self._merge(history, h.history)
        self.history.append(history)
        return history

    def lr_find(self, start_lr: float = 1e-7, end_lr: float = 1.0, max_steps: int = 100,
                plot_path: str | None = "lr_find.png", verbose: Any = "auto") -> float:
        """Train briefly with a growing learning rate, plot loss against it, suggest a rate.

        The model's weights are restored afterwards. Returns the suggested learning rate (where
        the smoothed loss falls fastest) and saves the plot to ``plot_path``.
        """
        train = self._batches(self.train_data, training=True)
        steps = min(max_steps, len(train))
        finder = LRFinder(start_lr, end_lr, steps)
        saved = [w.copy() for w in self.model.get_weights()]
        try:
            self._compile(finder.schedule())
            self.model.fit(train, epochs=1, steps_per_epoch=steps, callbacks=[finder],
                           shuffle=False, verbose=resolve_verbose(verbose))
        finally:
            self.model.set_weights(saved)
        suggestion = finder.suggestion()
        if plot_path:
            finder.plot(plot_path)
            log.info("lr_find: plot saved to %s; suggested learning rate %.2e", plot_path,
                     suggestion)
        return suggestion

