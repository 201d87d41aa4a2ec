"""Export as a Jupyter notebook, in the lecture's style: a markdown cell that explains each step, then its code.

The code comes from the same sections as the exported script (:mod:`annstudio.core.codegen`): the same data
with the same seed and split, the same network, compile and fit. The notebook adds what the lecture draws
with matplotlib: the data, the loss curve, and the decision boundary (2-D classification), the fitted curve
(regression) or a test digit with the ``stem`` plot of its ten probabilities (MNIST). matplotlib is used only
by the notebook, never by the app. The notebook is written with ``nbformat``, the format's own library, and
validated before it is written.
"""
from __future__ import annotations

from .codegen import (CodegenError, Plan, augment_lines, compile_lines, constants, data_functions, evaluate_lines,
                      fit_lines, activation_lines, imports, model_lines, weights_lines)

#: fit prints a line per epoch up to this many epochs; longer runs stay quiet (the loss curve shows them).
VERBOSE_EPOCHS = 50

_OPTIMIZER_NAMES = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop"}
_LOSS_WORDS = {
    "binary_crossentropy": "binary cross-entropy (two classes: the output is the probability of class 1)",
    "sparse_categorical_crossentropy": "cross-entropy over the classes (the outputs are one probability per class)",
    "mse": "mean squared error (the network predicts a number)",
}


def notebook_text(p: Plan) -> str:
    """The notebook for a :class:`~annstudio.core.codegen.Plan`, as the text of an ``.ipynb`` file."""
    try:
        import nbformat
        from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    except ImportError:
        raise CodegenError("writing a notebook needs the nbformat package (pip install nbformat)") from None

    cells = []
    for kind, text in _cells(p):
        cells.append(new_markdown_cell(text) if kind == "md" else new_code_cell(text))
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def _code(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


def _cells(p: Plan) -> list[tuple[str, str]]:
    """(kind, text) of every cell: "md" for markdown, "code" for code."""
    mnist = p.data.kind == "mnist"
    cells: list[tuple[str, str]] = [("md", _title(p))]
    cells.append(("code", _code(imports(p) + ["import matplotlib.pyplot as plt", ""] + constants(p))))

    cells.append(("md", "## 1. The data\n\n" + _sentence(p.described) + "\n\n" + _data_words(p)))
    cells.append(("code", _code(data_functions(p) + [
        "", "",
        "(train_points, train_targets), (test_points, test_targets) = make_points()",
        "(train_X, train_y), (test_X, test_y) = load_data()",
        'print("training data:", train_X.shape, train_y.shape)',
        'print("test data:    ", test_X.shape, test_y.shape)'])))
    cells.append(("code", _data_plot(p)))

    cells.append(("md", "## 2. The network\n\n" + _network_words(p)))
    sine = activation_lines(p)
    cells.append(("code", _code(sine + ([""] if sine else []) + model_lines(p) + ["", "model.summary()"])))

    cells.append(("md", "## 3. Loss and optimizer\n\n" + _compile_words(p)))
    cells.append(("code", _code(compile_lines(p) + ([""] + weights_lines(p) if p.weights_file else []))))

    if augment_lines(p):
        cells.append(("md", "### Data augmentation\n\n" + _augment_words(p)))
        cells.append(("code", _code(augment_lines(p))))
    cells.append(("md", "## 4. Training\n\n" + _fit_words(p)))
    verbose = 2 if p.train.epochs <= VERBOSE_EPOCHS else 0
    cells.append(("code", _code(fit_lines(p, verbose=verbose))))

    if p.has_test:
        cells.append(("md", "## 5. Evaluation\n\nHow well does the network do on the test data, which it never "
                            "saw while training? A test loss much higher than the training loss means overfitting."))
        cells.append(("code", _code(evaluate_lines(p))))
    else:
        cells.append(("md", "## 5. Evaluation\n\nThis data set holds no test points (all of them train the "
                            "network), so the training loss above is the only number."))

    cells.append(("md", "## 6. The loss curve\n\nThe loss after every epoch: it should fall quickly at first "
                        "and then level off."))
    cells.append(("code", _loss_plot(p)))

    if mnist:
        cells.append(("md", "## 7. Reading a test digit\n\nA random test digit and the ten probabilities the network "
                            "gives it, one per digit (a `stem` plot, as in the lecture). Run the cell again for "
                            "another digit."))
        cells.append(("code", _digit_plot(p)))
    elif p.task == "regression":
        cells.append(("md", "## 7. The fitted curve\n\nThe network's prediction for every x between the points, "
                            "drawn over the data."))
        cells.append(("code", _curve_plot(p)))
    elif p.two_d:
        cells.append(("md", "## 7. The decision boundary\n\nThe network's answer for every point of the plane: the "
                            "colour shows the class it predicts" +
                            (", the black line where the probability of class 1 is 0.5." if p.task == "binary"
                             else ".")))
        cells.append(("code", _boundary_plot(p)))
    return cells


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def _title(p: Plan) -> str:
    lines = [f"# {p.title}", "",
             "Exported by ANN Studio. Run the cells from top to bottom (*Run › Run All Cells*); the notebook needs "
             "numpy, tensorflow and matplotlib.", "",
             f"- **Network:** {p.network.describe()}"]
    if p.expand:
        lines.append(f"- **Inputs:** {', '.join(p.features)} (computed from each point's x1 and x2)")
    lines += [f"- **Data:** {p.described}", f"- **Training:** {p.training_text}"]
    if p.note:
        lines += ["", p.note]
    return "\n".join(lines)


def _data_words(p: Plan) -> str:
    words = ("`make_points()` gives the data set's points and targets, already split into training and test "
             "points; `load_data()` turns them into what the network takes in (`train_X`) and what it should "
             "answer (`train_y`).")
    if p.expand:
        words += (f" The network does not see the points' x1 and x2 directly but the features "
                  f"{', '.join(p.features)} computed from them (`input_features`).")
    if p.data.kind == "mnist":
        words += " Each image is 28×28 grey values between 0 (black) and 1 (white)."
    return words


def _network_words(p: Plan) -> str:
    rows = [f"- `{layer.describe()}`" for layer in p.network.layers]
    shape = "×".join(str(n) for n in p.network.input_shape)
    return (f"A `Sequential` network: its input has shape {shape}, then the layers in order:\n\n" + "\n".join(rows) +
            "\n\n`set_random_seed(SEED)` makes the initial weights the same as in ANN Studio's run. "
            "`model.summary()` lists the layers with their numbers of parameters (weights and biases).")


def _compile_words(p: Plan) -> str:
    t = p.train
    return (f"The loss measures how wrong the network is: here the {_LOSS_WORDS[t.loss]}. The optimizer "
            f"({_OPTIMIZER_NAMES[t.optimizer]}, learning rate {float(t.learning_rate):g}) changes the weights a little "
            f"after every "
            f"batch to make the loss smaller; `{p.metric}` is reported as well.")


def _augment_words(p: Plan) -> str:
    return (f"More training data without collecting any (lecture 8.3): before every batch trains the network, its "
            f"digits are changed at random ({p.train.augmentation.describe()}). The network never sees the same "
            "picture twice, so it cannot learn the pictures by heart, and it learns that a digit moved or tilted a "
            "little is still the same digit. Keras' random layers do it here; they draw other random numbers than "
            "ANN Studio, so the losses below differ a little from the app's run.")


def _fit_words(p: Plan) -> str:
    t = p.train
    words = (f"`fit` trains for {t.epochs} epoch{'s' if t.epochs != 1 else ''} (passes over the training data) in "
             f"batches of {t.batch_size} points; `history` keeps the loss of every epoch.")
    if t.epochs > VERBOSE_EPOCHS:
        words += (" With this many epochs it prints nothing while it trains (`verbose=0`); the loss curve below "
                  "shows them.")
    if t.shuffle:
        words += (" Keras shuffles the training points before every epoch in its own random order, so the losses "
                  "differ a little from ANN Studio's run (with shuffling off in both they are the same).")
    else:
        words += " The points are not shuffled, so the losses are the same as in ANN Studio's run."
    if t.validation_split:
        words += (f" `validation_split={t.validation_split:g}` holds out the last {t.validation_split:g} of the "
                  "training points (as they are, not shuffled) and reports their loss, `val_loss`, after every epoch.")
    if t.early_stopping:
        words += (f" `EarlyStopping` ends training once `{t.monitor}` has not improved for {t.patience} epochs"
                  + (" and puts back the weights of the best epoch." if t.restore_best else "."))
    if t.schedule != "constant":
        words += " `LearningRateScheduler` sets the learning rate at the start of every epoch from the schedule."
    return words


def _loss_plot(p: Plan) -> str:
    dots = ", marker='o'" if p.train.epochs <= 30 else ""  # a few epochs: show each one (one is a single dot)
    lines = ["plt.figure(figsize=(6, 4))",
             f"plt.plot(np.arange(1, len(history.history['loss']) + 1), history.history['loss']{dots}, "
             "label='training')",
             *([f"plt.plot(np.arange(1, len(history.history['val_loss']) + 1), history.history['val_loss']{dots}, "
                "label='validation')", "plt.legend()"] if p.train.validation_split else []),
             "plt.xlabel('epoch', fontsize=15)",
             "plt.ylabel('loss', fontsize=15)",
             "plt.gca().xaxis.set_major_locator(plt.MaxNLocator(integer=True))  # whole epochs"]
    if p.train.epochs > 100:
        lines.append("plt.yscale('log')  # many epochs: a log scale shows the slow end of the curve too")
    lines += ["plt.grid(alpha=0.3)", "plt.show()"]
    if p.metric == "accuracy":
        lines += ["",
                  "plt.figure(figsize=(6, 4))",
                  "plt.plot(np.arange(1, len(history.history['accuracy']) + 1), history.history['accuracy'], "
                  f"'g'{dots})",
                  "plt.xlabel('epoch', fontsize=15)",
                  "plt.ylabel('accuracy', fontsize=15)",
                  "plt.gca().xaxis.set_major_locator(plt.MaxNLocator(integer=True))",
                  "plt.ylim([0, 1.05])",
                  "plt.grid(alpha=0.3)",
                  "plt.show()"]
    return _code(lines)


def _class_points(p: Plan, x: str, y: str, train: bool) -> list[str]:
    """Lecture-style scatter of 2-D points by class: red C1 and blue C0, or one colour per class."""
    alpha, marker, tag = ("0.4", "o", "") if train else ("0.9", "x", " test")
    if p.task == "binary":
        return [f"plt.plot({x}[{y} == 1, 0], {x}[{y} == 1, 1], 'r{marker}', alpha={alpha}, label='C1{tag}')",
                f"plt.plot({x}[{y} == 0, 0], {x}[{y} == 0, 1], 'b{marker}', alpha={alpha}, label='C0{tag}')"]
    return [f"for k in range(int(max(train_targets.max(), test_targets.max(initial=0))) + 1):",
            f"    plt.plot({x}[{y} == k, 0], {x}[{y} == k, 1], '{marker}', color=plt.cm.tab10(k), alpha={alpha},"
            f" label=f'C{{k}}{tag}')"]


def _data_plot(p: Plan) -> str:
    if p.data.kind == "mnist":
        return _code(["# the first ten training digits with their labels",
                      "plt.figure(figsize=(10, 2))",
                      "for i in range(10):",
                      "    plt.subplot(1, 10, i + 1)",
                      "    plt.imshow(train_points[i].reshape(28, 28), 'gray')",
                      "    plt.title(int(train_targets[i]))",
                      "    plt.axis('off')",
                      "plt.show()"])
    if p.task == "regression":
        lines = ["plt.figure(figsize=(6, 4))",
                 "plt.plot(train_points[:, 0], train_targets, 'o', label='training points')"]
        if p.has_test:
            lines.append("plt.plot(test_points[:, 0], test_targets, 's', mfc='none', label='test points')")
        lines += ["plt.xlabel('$x$', fontsize=15)", "plt.ylabel('$y$', fontsize=15)", "plt.legend()",
                  "plt.grid(alpha=0.3)", "plt.show()"]
        return _code(lines)
    lines = ["plt.figure(figsize=(6, 4))"] + _class_points(p, "train_points", "train_targets", True)
    if p.has_test:
        lines += _class_points(p, "test_points", "test_targets", False)
    lines += ["plt.legend(loc=1, fontsize=10)", "plt.xlabel('$x_1$', fontsize=15)",
              "plt.ylabel('$x_2$', fontsize=15)", "plt.show()"]
    return _code(lines)


def _boundary_plot(p: Plan) -> str:
    grid_inputs = p.to_inputs.format("grid")
    lines = ["points = np.vstack([train_points, test_points])",
             "(x1_min, x2_min), (x1_max, x2_max) = points.min(axis=0) - 0.5, points.max(axis=0) + 0.5",
             "x1p, x2p = np.meshgrid(np.linspace(x1_min, x1_max, 200), np.linspace(x2_min, x2_max, 200))",
             "grid = np.column_stack([x1p.ravel(), x2p.ravel()]).astype(np.float32)",
             f"prediction = model.predict({grid_inputs}, batch_size=4096, verbose=0)  # 40 000 points at once",
             "",
             "plt.figure(figsize=(6, 4))"]
    if p.task == "binary":
        lines += ["probability = prediction[:, 0].reshape(x1p.shape)",
                  "plt.contourf(x1p, x2p, probability, levels=np.linspace(0, 1, 11), cmap='bwr', alpha=0.3)",
                  "plt.contour(x1p, x2p, probability, levels=[0.5], colors='k', linewidths=3)"]
    else:
        lines += ["predicted = prediction.argmax(axis=1).reshape(x1p.shape)",
                  "classes = prediction.shape[1]",
                  "plt.contourf(x1p, x2p, predicted, levels=np.arange(classes + 1) - 0.5, cmap='tab10', vmin=0, "
                  "vmax=9, alpha=0.3)"]
    lines += _class_points(p, "train_points", "train_targets", True)
    lines += ["plt.legend(loc=1, fontsize=10)", "plt.xlabel('$x_1$', fontsize=15)",
              "plt.ylabel('$x_2$', fontsize=15)", "plt.show()"]
    return _code(lines)


def _curve_plot(p: Plan) -> str:
    lines = ["points = np.concatenate([train_points[:, 0], test_points[:, 0]])",
             "xp = np.linspace(points.min() - 0.5, points.max() + 0.5, 200).reshape(-1, 1).astype(np.float32)",
             "my_pred = model.predict(xp, verbose=0)",
             "",
             "plt.figure(figsize=(6, 4))",
             "plt.plot(train_points[:, 0], train_targets, 'o', label='training points')"]
    if p.has_test:
        lines.append("plt.plot(test_points[:, 0], test_targets, 's', mfc='none', label='test points')")
    lines += ["plt.plot(xp, my_pred, 'r', label='the network')", "plt.xlabel('$x$', fontsize=15)",
              "plt.ylabel('$y$', fontsize=15)", "plt.legend()", "plt.grid(alpha=0.3)", "plt.show()"]
    return _code(lines)


def _digit_plot(p: Plan) -> str:
    return _code(["k = np.random.choice(test_X.shape[0])",
                  "test_img = test_X[k:k + 1]",
                  "",
                  "predict = model.predict_on_batch(test_img)",
                  "mypred = np.argmax(predict, axis=1)",
                  "",
                  "plt.figure(figsize=(8, 4))",
                  "plt.subplot(1, 2, 1)",
                  "plt.imshow(test_points[k].reshape(28, 28), 'gray')",
                  "plt.axis('off')",
                  "plt.subplot(1, 2, 2)",
                  "plt.stem(np.asarray(predict[0]))",
                  "plt.xticks(range(10))",
                  "plt.xlabel('digit')",
                  "plt.ylabel('probability')",
                  "plt.show()",
                  "",
                  "print(f'Prediction: {mypred[0]}  (the label says {int(test_targets[k])})')"])


__all__ = ["VERBOSE_EPOCHS", "notebook_text"]
