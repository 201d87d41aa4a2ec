"""The MNIST workspace's layout: its tabs (data, training, results, drawing, augmentation) and wiring."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QSplitter, QStackedWidget,
                               QTabWidget, QVBoxLayout, QWidget)

from ...core import lessons
from .. import style
from .common import DOWNLOAD_MB, PERSONAL_REPEAT, PRESET, TABS, WEIGHTS_TIP, _scrolled, _section


class LayoutMixin:
    """Builds the workspace's widgets and connects them (part of :class:`MnistWorkspace`)."""

    # layout -----------------------------------------------------------------------------------------
    def _layout(self) -> None:
        bar = QFrame()
        bar.setObjectName("mnistDataBar")
        bar.setStyleSheet("#mnistDataBar { background: #f3f6f9; border-bottom: 1px solid #d5dde5; }")
        row = QHBoxLayout(bar)
        row.setContentsMargins(10, 6, 10, 6)
        self.data_label = QLabel()
        self.data_label.setWordWrap(True)
        self.data_label.setTextFormat(Qt.TextFormat.RichText)
        self.data_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.data_label.setToolTip("Where the MNIST digits come from: 60 000 handwritten digits to train on and "
                                   "10 000 more to test the network with.")
        self.load_button = QPushButton("Load MNIST")
        self.load_button.setToolTip(
            "Read MNIST from the Keras cache on this computer. If it is not there yet, it is downloaded once "
            f"(about {DOWNLOAD_MB} MB), exactly as keras.datasets.mnist.load_data() does.")
        self.open_button = QPushButton("Open file…")
        self.open_button.setToolTip("Use an mnist.npz file that is already on this computer (for example one "
                                    "a teacher shared), when you cannot download.")
        row.addWidget(self.data_label, 1)
        row.addWidget(self.load_button)
        row.addWidget(self.open_button)

        self.prediction_banner = QFrame()
        self.prediction_banner.setObjectName("predictionBanner")
        self.prediction_banner.setStyleSheet("#predictionBanner { background: #fff8e1; border-bottom: 1px solid "
                                             "#ffb300; }")
        banner = QHBoxLayout(self.prediction_banner)
        banner.setContentsMargins(10, 6, 10, 6)
        self.prediction_note = QLabel()
        self.prediction_note.setWordWrap(True)
        self.prediction_note.setTextFormat(Qt.TextFormat.RichText)
        self.leave_button = QPushButton("Build a network instead")
        self.leave_button.setToolTip("Close the opened model and go back to the lecture's 784-100-10 network, "
                                     "which you can edit and train.")
        banner.addWidget(self.prediction_note, 1)
        banner.addWidget(self.leave_button)
        self.prediction_banner.setVisible(False)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(6, 6, 6, 6)
        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.model_label.setTextFormat(Qt.TextFormat.RichText)
        self.model_label.setVisible(False)
        network = _section("1 · Network", self.builder)
        network.layout().addWidget(self.model_label)
        self.training_off = QLabel()
        self.training_off.setWordWrap(True)
        self.training_off.setVisible(False)
        training = _section("2 · Training", self.training)
        training.layout().addWidget(self.training_off)
        column.addWidget(network)
        column.addWidget(training)
        column.addStretch(1)
        scroll = _scrolled(left)
        scroll.setMinimumWidth(340)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.views = QTabWidget()
        self.views.addTab(self._data_tab(), "Data")
        self.views.addTab(self._training_tab(), "Training")
        self.views.addTab(self._results_tab(), "Results")
        self.views.addTab(self._draw_tab(), "Draw")
        self.views.addTab(self.augment, "Augment")
        self.views.setTabToolTip(TABS.index("Augment"), "Data augmentation: training digits moved, turned, scaled "
                                 "and thickened at random, so the network sees more than the 60 000 pictures.")
        tips = ("The training digits with their labels; pick one digit to see only those.",
                "Loss and accuracy after every epoch, on the training digits and on the test digits.",
                ("How the trained network does on the 10 000 test digits: which digits it confuses, the ones "
                 "it reads wrongly, and what its first layer has learned."),
                "Draw a digit with the mouse and watch the network read it; teach it your handwriting.")
        for index, tip in enumerate(tips):
            self.views.setTabToolTip(index, tip)
        self._view_tips = tips

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.views)
        self.splitter.setSizes([360, 1140])
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.prediction_banner)
        layout.addWidget(self.splitter, 1)

    def _data_tab(self) -> QWidget:
        self.data_pages = QStackedWidget()
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setTextFormat(Qt.TextFormat.RichText)
        self.placeholder.setMargin(40)
        self.data_pages.addWidget(self.placeholder)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.data_note = QLabel()
        self.data_note.setWordWrap(True)
        layout.addWidget(self.data_note)
        layout.addWidget(self.gallery, 1)
        self.data_pages.addWidget(tab)
        return self.data_pages

    def _training_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        note = QLabel("After every epoch (one pass through all training digits): the loss training makes small, "
                      "and the share of digits read right — blue on the training digits, red on the test digits "
                      "the network never learns from.")
        note.setWordWrap(True)
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)
        self.progress_label.setStyleSheet("font-weight: bold;")
        layout.addWidget(note)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.loss, 1)
        # MNIST trains for a few epochs only: a dot per epoch, so that even one epoch shows
        colours = (style.TRAIN_COLOR, style.TEST_COLOR) * 2
        for curve, colour in zip(self.loss.curves().values(), colours):
            curve.setSymbol("o")
            curve.setSymbolSize(7)
            curve.setSymbolBrush(colour)
            curve.setSymbolPen(colour)
        return tab

    def _results_tab(self) -> QWidget:
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(2, 4, 2, 4)
        self.results_title = QLabel()
        self.results_title.setWordWrap(True)
        column.addWidget(self.results_title)
        column.addWidget(self.confusion, 1)  # as large as there is room for, every column in sight
        self.per_class_label = QLabel()
        self.per_class_label.setWordWrap(True)
        self.per_class_label.setToolTip("The share of each digit's test images that the network reads right "
                                        "(the same numbers as the column next to the matrix).")
        column.addWidget(self.per_class_label)

        self.results_tabs = QTabWidget()
        self.results_tabs.addTab(self.cell_gallery, "Digits of a cell")
        self.results_tabs.addTab(self.misclassified, "Read wrongly")
        weights = _scrolled(self.first_layer)
        weights.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results_tabs.addTab(weights, "First layer's weights")
        self.results_tabs.setTabToolTip(0, "Click a cell of the confusion matrix to see its test digits here.")
        self.results_tabs.setTabToolTip(1, "Every test digit the network reads wrongly, with what it said and "
                                           "what the digit really is.")
        self.results_tabs.setTabToolTip(2, WEIGHTS_TIP)
        self.results_tabs.tabBar().setUsesScrollButtons(False)
        self.results_tabs.tabBar().setElideMode(Qt.TextElideMode.ElideRight)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(_scrolled(left))
        splitter.addWidget(self.results_tabs)
        splitter.setSizes([620, 300])  # the matrix first: the galleries re-flow into fewer columns
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        return splitter

    def _draw_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.reader)
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        row = QVBoxLayout(box)
        self.use_drawings.setToolTip(
            f"When checked, the next Play trains on the MNIST digits plus your labelled drawings (each one "
            f"{PERSONAL_REPEAT} times, so that they count). Training goes on from the network as it is now.")
        self.drawings_note = QLabel()
        self.drawings_note.setWordWrap(True)
        row.addWidget(self.use_drawings)
        row.addWidget(self.drawings_note)
        layout.addWidget(box)
        layout.addStretch(1)
        return _scrolled(tab)

    def _connect(self) -> None:
        self.load_button.clicked.connect(self.load_mnist)
        self.open_button.clicked.connect(self.open_file)
        self.builder.network_changed.connect(self._on_network_changed)
        self.confusion.cell_clicked.connect(self.show_cell)
        self.reader.personal_set_changed.connect(self._on_personal_set_changed)
        self.use_drawings.toggled.connect(self._summarise_drawings)
        self.leave_button.clicked.connect(lambda: self.load_preset(lessons.get(PRESET)))
        self._follow_run()
