"""Validation split, early stopping, target loss and learning-rate schedules: the engine against Keras' own
``fit(validation_split=…)``, ``EarlyStopping``, ``LearningRateScheduler`` and schedule classes, same seed."""
from dataclasses import replace

import keras
import numpy as np
import pytest

from annstudio.core import build, datasets, schedules, stopping
from annstudio.core.engine import Trainer
from annstudio.core.spec import DataSpec, NetworkSpec, SpecError, TrainSpec, dense

# XLA off: the maths are the same, and compiling would cost these tests most of their time
DATA = datasets.generate(DataSpec("xor", size=80, noise=1.0, seed=3))  # noisy: a 2-16-16-1 net overfits it
NET = NetworkSpec(layers=(dense(16, "relu"), dense(16, "relu"), dense(1, "sigmoid")))
TRAIN = TrainSpec(learning_rate=0.05, epochs=40, batch_size=16, seed=1, shuffle=False, validation_split=0.25,
                  early_stopping=True, patience=3)


def _keras_fit(train: TrainSpec, callbacks: list, validation_split: float | None = None):
    model = build.build_model(NET, seed=train.seed)
    build.compile_like_lecture(model, train)
    fit = model.fit(DATA.x_train, DATA.y_train.reshape(-1, 1), epochs=train.epochs, batch_size=train.batch_size,
                    shuffle=False, verbose=0, callbacks=callbacks,
                    validation_split=train.validation_split if validation_split is None else validation_split)
    return model, fit.history


def test_early_stopping_stops_where_keras_does_with_the_same_losses_and_kept_weights():
    train = TRAIN
    monitor = train.monitor
    stopper = keras.callbacks.EarlyStopping(monitor=monitor, patience=train.patience, restore_best_weights=True)
    model, theirs = _keras_fit(train, [stopper])
    assert 0 < stopper.stopped_epoch < train.epochs - 1  # it did stop early: the test means something
    runs = {"unwatched": Trainer(NET, train, DATA, xla=False).train_to_end(),
            "watched": None}
    watched = Trainer(NET, train, DATA, probe_interval=0.02, xla=False, fast_start=False)  # one epoch a call
    reports = list(watched.run())
    runs["watched"] = watched.result
    for name, result in runs.items():
        assert result.stopped_epoch == stopper.stopped_epoch + 1, name  # Keras counts epochs from 0
        assert result.best_epoch == stopper.best_epoch + 1, name
        for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
            np.testing.assert_allclose([row[key] for row in result.history], theirs[key], rtol=1e-4, atol=1e-6,
                                       err_msg=f"{name} {key}")
        best = result.history[result.best_epoch - 1]
        assert result.kept["val_loss"] == pytest.approx(best["val_loss"], rel=1e-5)  # the best epoch's weights
        np.testing.assert_allclose(result.model.predict_on_batch(DATA.x_train[:10]),
                                   model.predict_on_batch(DATA.x_train[:10]), atol=1e-4)
    assert reports[-1].partial and reports[-1].weights is not None  # the kept weights' picture comes last
    assert "kept the weights of epoch" in watched.result.message


class _Model:  # what EarlyStopping touches of a model when it does not restore weights
    stop_training = False


@pytest.mark.parametrize("monitor", ["val_loss", "loss", "val_accuracy"])
@pytest.mark.parametrize("patience", [1, 3])
def test_the_rules_decide_as_keras_early_stopping_on_any_sequence(monitor, patience):
    rng = np.random.default_rng(patience)
    theirs = keras.callbacks.EarlyStopping(monitor=monitor, patience=patience, mode=stopping.mode(monitor))
    theirs.set_model(_Model())
    theirs.on_train_begin()
    ours = stopping.StopRules(early_stopping=True, monitor=monitor, patience=patience, restore_best=False)
    values = np.round(rng.random(40), 1)  # ties too
    for epoch, value in enumerate(values):
        theirs.on_epoch_end(epoch, {monitor: float(value)})
        stop = ours.after_epoch(epoch + 1, {monitor: float(value)}, lambda: None)
        assert stop == theirs.model.stop_training, epoch
        assert ours.best_epoch == theirs.best_epoch + 1
        if stop:
            assert ours.stopped_epoch == theirs.stopped_epoch + 1
            break
    else:
        pytest.fail("the sequence never stopped")


def test_the_validation_points_are_the_last_fraction_as_keras_takes_them():
    assert stopping.validation_start(80, 0.25) == 60
    assert stopping.validation_start(10, 0.15) == 8  # floor(10 · 0.85), as Keras
    trainer = Trainer(NET, TRAIN, DATA, xla=False)
    assert trainer.n_train == 60
    np.testing.assert_array_equal(trainer.x_val.numpy(), DATA.x_train[60:])


def test_a_target_loss_stops_the_run_and_play_goes_on_from_there():
    train = replace(TRAIN, early_stopping=False, target_loss=0.45, validation_split=0.0, epochs=50)
    trainer = Trainer(NET, train, DATA, xla=False)
    first = trainer.train_to_end()
    assert first.stopped_epoch == len(first.history) < 50
    assert first.history[-1]["loss"] <= 0.45 < first.history[-2]["loss"]
    assert "target loss" in first.message
    again = trainer.train_to_end(epochs=3)  # resumed: a target already reached does not stop it at once
    assert trainer.epoch == first.stopped_epoch + 3 and again.stopped_epoch is None
    assert [row["epoch"] for row in again.history][-3:] == [first.stopped_epoch + 1, first.stopped_epoch + 2,
                                                             first.stopped_epoch + 3]


@pytest.mark.parametrize("kind, options, theirs", [
    ("step", dict(schedule_every=3, schedule_factor=0.5),
     lambda lr: keras.optimizers.schedules.ExponentialDecay(lr, 3, 0.5, staircase=True)),
    ("exponential", dict(schedule_every=4, schedule_factor=0.3),
     lambda lr: keras.optimizers.schedules.ExponentialDecay(lr, 4, 0.3)),
    ("cosine", dict(schedule_length=12, schedule_floor=0.05),
     lambda lr: keras.optimizers.schedules.CosineDecay(lr, 12, alpha=0.05)),
    ("cosine", dict(schedule_length=12, schedule_floor=0.05, schedule_warmup=5),
     lambda lr: keras.optimizers.schedules.CosineDecay(lr * schedules.WARMUP_START, 12, alpha=0.05,
                                                        warmup_target=lr, warmup_steps=5)),
])
def test_every_schedule_is_keras_own_at_the_epoch_number(kind, options, theirs):
    spec = replace(TrainSpec(), schedule=kind, **options)
    keras_schedule = theirs(0.1)
    np.testing.assert_allclose(schedules.curve(spec, 0.1, 30),
                               [float(keras_schedule(e)) for e in range(30)], rtol=1e-5)


def test_a_schedule_trains_as_keras_learning_rate_scheduler_does():
    train = replace(TRAIN, early_stopping=False, validation_split=0.0, epochs=8, schedule="step", schedule_every=2,
                    schedule_factor=0.3)
    callback = keras.callbacks.LearningRateScheduler(lambda epoch: schedules.rate_at(train, 0.05, epoch))
    _, theirs = _keras_fit(train, [callback])
    trainer = Trainer(NET, train, DATA, probe_interval=0.02, xla=False, fast_start=False)
    rates = [report.learning_rate for report in trainer.run()]
    np.testing.assert_allclose([row["loss"] for row in trainer.result.history], theirs["loss"], rtol=1e-4)
    np.testing.assert_allclose(rates, [0.05 * 0.3 ** (e // 2) for e in range(8)], rtol=1e-6)  # the rate now shown


@pytest.mark.parametrize("settings, words", [
    (dict(patience=0), "patience must be a whole number of epochs ≥ 1"),
    (dict(target_loss=-0.1), "the target loss must be a number above 0"),
    (dict(validation_split=1.0), "the validation split must be a fraction from 0 up to"),
    (dict(early_stopping=True, validation_split=0.0), "needs a validation split above 0"),
    (dict(schedule="step", schedule_factor=0.0), "would make the learning rate 0 or negative"),
    (dict(schedule="cosine", schedule_floor=0.0), "the rate would end at 0"),
    (dict(schedule="exponential", schedule_factor=-2.0), "would make the learning rate 0 or negative"),
])
def test_bad_stopping_and_schedule_settings_get_one_clear_sentence(settings, words):
    with pytest.raises(SpecError) as info:
        replace(TrainSpec(), **settings).validate()
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_validation_split_that_leaves_no_training_point_is_refused_in_a_sentence():
    few = datasets.generate(DataSpec("xor", size=3, seed=1))
    with pytest.raises(stopping.StoppingError, match="leaves none of the 3 training points to train on"):
        Trainer(NET, replace(TRAIN, validation_split=0.9), few)


def test_rules_and_schedule_edited_during_a_run_apply_from_the_next_epoch():
    from annstudio.core.control import TrainControl

    train = replace(TRAIN, early_stopping=False, validation_split=0.0, epochs=6)
    control = TrainControl()
    trainer = Trainer(NET, train, DATA, xla=False)
    rates = []
    for report in trainer.run(control=control):
        rates.append(report.learning_rate)
        if report.epoch == 2:  # as the panel does while paused: taken before epoch 3
            control.set_rules(replace(train, schedule="exponential", schedule_every=1, schedule_factor=0.5,
                                      target_loss=10.0))
    assert rates[:2] == [0.05, 0.05]
    assert rates[2] == pytest.approx(0.05 * 0.5 ** 2)  # the schedule's rate of epoch 3 (counted from the first)
    assert trainer.result.stopped_epoch == 3 and "target loss" in trainer.result.message


@pytest.mark.parametrize("field", ["monitor", "schedule"])
@pytest.mark.parametrize("value", [[], {}, ["loss"]])
def test_a_file_with_a_list_for_a_name_is_refused_in_words(field, value):
    """Found by the settings fuzzer: ``"monitor": []`` in a file raised TypeError (a list is not hashable)."""
    from annstudio.core.spec import train_from_dict

    with pytest.raises(SpecError):
        train_from_dict({field: value})
