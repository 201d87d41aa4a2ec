"""Bugs the GUI fuzzer found that were not known before, each replayed the way a student meets it."""
from __future__ import annotations

import pytest

from annstudio.gui.app import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    p = w.playground
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    yield w
    w.close()


def test_changing_the_inputs_while_the_untrained_picture_is_made_draws_the_new_network(window, qtbot):
    """Fuzz seed 1001: the features were changed while the picture of the untrained network was still being
    made (the panels are not locked then); that picture, of the old network, arrived afterwards and was drawn
    as if it were the new one: an uncaught ValueError (a 3-input kernel for hidden lines over x1, x2)."""
    p = window.playground
    # the picture of the 3-input network is being made (waited for by its start: numpy makes it in milliseconds)
    with qtbot.waitSignal(p.session.state_changed, timeout=10000, check_params_cb=lambda state: state == "running"):
        p.data_panel.set_features(("x1", "x2", "x1^2"))
    assert p.session.is_running()
    assert p.state() == "idle" and p.data_panel.feature_box.isEnabled()
    p.data_panel.set_features(("x1", "x2"))  # a student unticks x1² at once
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    kernel = next(w for name, w in p.latest_report().weights if name.startswith("dense"))[0]
    assert kernel.shape[0] == 2  # what is shown is the network of the inputs now ticked
