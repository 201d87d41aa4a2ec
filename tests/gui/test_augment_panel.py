"""The MNIST workspace's augmentation tab: four strengths, a grid of changed training digits, the settings
going into the training and coming back from what is loaded."""
from __future__ import annotations

import numpy as np

from annstudio.core import lessons
from annstudio.core.augment import Augmentation
from annstudio.core.spec import TrainSpec, replace
from annstudio.gui.augment_panel import ROWS, TYPICAL, VARIANTS, AugmentPanel
from annstudio.gui.mnist_workspace import TABS, MnistWorkspace


def _digits(n: int = 6) -> tuple[np.ndarray, np.ndarray]:
    images = np.zeros((n, 28, 28), np.float32)
    images[:, 6:22, 12:16] = 1.0
    return images, np.arange(n) % 10


def _sheet(panel: AugmentPanel) -> bytes:
    image = panel.mosaic._image
    return bytes(image.constBits()) if image is not None else b""


def test_the_grid_shows_each_digit_and_its_changed_copies_and_refreshes_when_a_strength_changes(qtbot):
    panel = AugmentPanel()
    qtbot.addWidget(panel)
    panel.set_images(*_digits())
    assert len(panel.mosaic.captions) == ROWS * (VARIANTS + 1)
    assert panel.mosaic.captions[0] == "0 as it is" and "off" in panel.summary.text()
    before = _sheet(panel)
    panel.spins["rotation"].setValue(20)
    qtbot.waitUntil(lambda: _sheet(panel) != before, timeout=2000)
    assert "rotation 20°" in panel.summary.text()
    assert panel.applied(TrainSpec()).augmentation == Augmentation(rotation=20)
    shown = _sheet(panel)
    panel.again_button.click()
    assert _sheet(panel) != shown  # other digits, other random amounts
    panel.set_train(replace(TrainSpec(), augment_shift=2.0))
    assert panel.augmentation() == Augmentation(shift=2.0)
    panel.typical_button.click()
    assert panel.augmentation() == TYPICAL
    panel.off_button.click()
    assert not panel.augmentation().active and "off" in panel.summary.text()


def test_the_workspace_trains_with_the_tabs_strengths_and_a_preset_resets_them(qtbot, mnist_path):
    ws = MnistWorkspace(train_limit=500)
    qtbot.addWidget(ws)
    ws.resize(1400, 850)
    ws.show()
    assert ws.views.tabText(TABS.index("Augment")) == "Augment"
    ws.augment.spins["shift"].setValue(2)
    ws.augment.spins["thickness"].setValue(0.5)
    assert ws.train_spec().augmentation == Augmentation(shift=2, thickness=0.5)
    ws.augment.typical_button.click()
    assert ws.set_data_path(mnist_path)
    qtbot.waitUntil(ws.data_loaded, timeout=30000)
    assert ws.augment.mosaic.captions[0] == "5 as it is"  # MNIST's first training digit
    ws.views.setCurrentIndex(TABS.index("Augment"))
    ws.grab().save("/tmp/augment_tab.png")
    ws.load_preset(lessons.get("mnist-mlp"))
    assert not ws.train_spec().augmentation.active
    assert ws.shutdown()
