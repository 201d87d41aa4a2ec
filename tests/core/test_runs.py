"""Runs to compare, without a window: short names that say how runs differ, and settings in words."""
from __future__ import annotations

from annstudio.core import lessons
from annstudio.core.runs import Run, describe_run, layers_text, run_settings, short_names
from annstudio.core.spec import LayerSpec


def settings(**changes) -> dict:
    preset = lessons.get("looking-at-parameters")
    from dataclasses import replace

    return run_settings("Playground", preset.network, replace(preset.train, **changes), "Lecture: parabola")


def run(name: str = "r", **changes) -> Run:
    return Run(name, history=[{"epoch": 1, "loss": 0.5}], settings=settings(**changes), data_label="Lecture: parabola")


def test_names_say_only_what_differs():
    names = short_names([run(learning_rate=0.1), run(learning_rate=0.3), run(learning_rate=0.3, optimizer="sgd")])
    assert names == ["Playground · Adam · lr 0.1", "Playground · Adam · lr 0.3", "Playground · SGD · lr 0.3"]


def test_runs_that_do_not_differ_are_numbered_and_runs_without_settings_keep_their_name():
    assert short_names([run(), run(), Run("mine")]) == ["Playground #1", "Playground #2", "mine"]
    assert short_names([run()]) == ["Playground"]


def test_long_names_are_cut():
    long = [run(), Run("x", settings={**settings(), "network": "Dense(100, relu) → " * 6})]
    assert all(len(name) <= 48 for name in short_names(long))


def test_settings_and_description_in_words():
    s = settings(learning_rate=0.1)
    assert s["optimizer"] == "Adam" and s["network"] == "Dense(2, sigmoid)" and s["learning rate"] == 0.1
    text = describe_run(run(learning_rate=0.1))
    assert "1 epoch," in text and "data: Lecture: parabola" in text and "learning rate: 0.1" in text
    assert layers_text([LayerSpec("dense", 16, "sigmoid")] * 3) == "Dense(16, sigmoid) ×3"
