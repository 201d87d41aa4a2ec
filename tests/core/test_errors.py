"""One error vocabulary: every error the app raises on purpose is a UserError, and one function says it."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import annstudio
from annstudio.core.errors import UserError, capitalised, sentence, user_text


def _modules():
    for info in pkgutil.walk_packages(annstudio.__path__, "annstudio."):
        if info.name.endswith("__main__"):
            continue
        yield info.name


@pytest.mark.parametrize("name", sorted(_modules()))
def test_every_error_class_of_the_package_is_a_user_error(name):
    module = importlib.import_module(name)
    for value in vars(module).values():
        if (inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == name
                and value.__name__.endswith(("Error", "Missing", "Cancelled"))):
            assert issubclass(value, UserError), f"{name}.{value.__name__} does not derive from UserError"


def test_one_function_turns_any_exception_into_a_sentence():
    from annstudio.core.spec import SpecError

    assert sentence(SpecError("the learning rate must be a number > 0, not -1.")) == \
        "the learning rate must be a number > 0, not -1"
    assert sentence(KeyError("x")) == "an unexpected KeyError ('x')"
    assert sentence(RuntimeError()) == "an unexpected RuntimeError"
    assert sentence(ValueError("y" * 500)).endswith("y…)")
    assert sentence(FileNotFoundError(2, "No such file or directory", "/a/b.keras")) == \
        "No such file or directory: /a/b.keras"
    assert user_text(MemoryError()) == "the computer ran out of memory" and user_text(KeyError("x")) is None
    assert sentence(KeyError("x"), "unexpected {name}: {text}") == "unexpected KeyError: 'x'"
    assert capitalised("the file is damaged") == "The file is damaged"
    assert capitalised("model.keras is damaged") == "model.keras is damaged"
