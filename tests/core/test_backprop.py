"""Backpropagation by hand (core/backprop.py) equals TensorFlow's GradientTape on the same Keras model."""
import math

import numpy as np
import pytest
import tensorflow as tf
import keras

from annstudio.core import backprop as bp
from annstudio.core import build
from annstudio.core.forward import model_weights
from annstudio.core.spec import NetworkSpec, activation, batchnorm, dense, dropout, flatten

KERAS_LOSSES = {"binary_crossentropy": keras.losses.BinaryCrossentropy,
                "categorical_crossentropy": keras.losses.CategoricalCrossentropy,
                "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
                "mse": keras.losses.MeanSquaredError}


def _net(*layers, inputs=2):
    features = ("x1", "x2") if inputs == 2 else ()
    shape = (inputs,) if isinstance(inputs, int) else inputs
    return NetworkSpec(input_shape=shape, layers=tuple(layers), features=features)


def tape_gradients(model, x, target, loss):
    """TensorFlow's loss and gradients (kernel, bias, kernel, bias, …) for one sample."""
    with tf.GradientTape() as tape:
        out = model(np.asarray(x, np.float32)[None])
        value = KERAS_LOSSES[loss]()(np.asarray(target)[None], out)
    return float(value), [g.numpy() for g in tape.gradient(value, model.trainable_weights)]


def assert_close(mine, theirs):
    theirs = np.asarray(theirs, np.float64)
    scale = float(np.abs(theirs).max()) or 1.0
    np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-5 * scale)


CASES = [
    ("relu-sigmoid-bce", _net(dense(3, "relu"), dense(1, "sigmoid")), "binary_crossentropy", [1.0]),
    ("sigmoid-sigmoid-bce-soft", _net(dense(2, "sigmoid"), dense(1, "sigmoid")), "binary_crossentropy", [0.3]),
    ("tanh-relu-softmax-sparse", _net(dense(3, "tanh"), dense(2, "relu"), dense(3, "softmax")),
     "sparse_categorical_crossentropy", 2),
    ("relu-softmax-categorical", _net(dense(4, "relu"), dense(3, "softmax")), "categorical_crossentropy",
     [0.0, 1.0, 0.0]),
    ("sigmoid-linear-mse", _net(dense(3, "sigmoid"), dense(2, "linear")), "mse", [0.3, -1.0]),
    ("tanh-tanh-mse", _net(dense(2, "tanh"), dense(2, "tanh"), dense(1, "tanh")), "mse", [0.5]),
    ("softmax-mse", _net(dense(3, "relu"), dense(2, "softmax")), "mse", [1.0, 0.0]),
    ("activation-layer-bce", _net(dense(2, "relu"), dense(1, "linear"), activation("sigmoid")),
     "binary_crossentropy", [0.0]),
    ("two-sigmoid-outputs-bce", _net(dense(3, "tanh"), dense(2, "sigmoid")), "binary_crossentropy", [1.0, 0.0]),
    ("one-neuron-bce", _net(dense(1, "sigmoid")), "binary_crossentropy", [1.0]),
    ("flattened-image-sparse", _net(flatten(), dense(3, "relu"), dense(4, "softmax"), inputs=(2, 3)),
     "sparse_categorical_crossentropy", 1),
]


@pytest.mark.parametrize("name, spec, loss, target", CASES, ids=[c[0] for c in CASES])
def test_gradients_equal_gradient_tape(name, spec, loss, target):
    model = build.build_model(spec, seed=7)
    x = np.linspace(-1.2, 0.9, int(np.prod(spec.input_shape))).reshape(spec.input_shape)
    if spec.input_shape == (2,):
        x = np.array([0.5, -1.2])
    value, grads = tape_gradients(model, x, target, loss)
    result = bp.explain(spec, model_weights(model), x, target, loss)
    assert result.loss == pytest.approx(value, rel=1e-5)
    mine = [g for layer in result.layers for g in (layer.grad_kernel, layer.grad_bias)]
    assert len(mine) == len(grads)
    for a, b in zip(mine, grads):
        assert a.shape == b.shape
        assert_close(a, b)
    np.testing.assert_allclose(result.prediction, np.asarray(model(x[None].astype(np.float32)))[0], rtol=1e-5,
                               atol=1e-6)


def test_relu_exactly_at_zero_follows_tensorflow():
    """relu'(0) = 0 in TensorFlow: a neuron whose weighted sum is exactly 0 passes no error back."""
    spec = _net(dense(2, "relu"), dense(1, "sigmoid"))
    model = build.build_model(spec, seed=1)
    model.layers[1].set_weights([np.array([[1.0, 0.5], [1.0, -0.25]], np.float32), np.array([0.0, 0.1], np.float32)])
    model.layers[2].set_weights([np.array([[0.7], [-0.4]], np.float32), np.array([0.2], np.float32)])
    x = np.array([0.5, -0.5])  # neuron 1: 0.5 − 0.5 + 0 = exactly 0
    value, grads = tape_gradients(model, x, [1.0], "binary_crossentropy")
    result = bp.explain(spec, model_weights(model), x, [1.0], "binary_crossentropy")
    assert result.layers[0].a[0] == 0.0
    assert result.layers[0].delta[0] == 0.0 and grads[1][0] == 0.0
    for a, b in zip([g for p in result.layers for g in (p.grad_kernel, p.grad_bias)], grads):
        assert_close(a, b)


def test_saturated_sigmoid_output_is_differentiated_from_its_weighted_sum_as_keras_does():
    spec = _net(dense(1, "sigmoid"))
    model = build.build_model(spec, seed=1)
    model.layers[1].set_weights([np.array([[20.0], [-20.0]], np.float32), np.array([5.0], np.float32)])
    x = np.array([1.0, -1.0])  # a = 45: ŷ is 1.0 in float32, the loss still has a slope
    value, grads = tape_gradients(model, x, [0.0], "binary_crossentropy")
    result = bp.explain(spec, model_weights(model), x, [0.0], "binary_crossentropy")
    assert result.loss == pytest.approx(value, rel=1e-5)
    assert_close(result.layers[0].grad_kernel, grads[0])
    assert abs(grads[0][0, 0]) > 0.5


def test_the_chain_rule_of_every_parameter_multiplies_out_to_its_gradient():
    for name, spec, loss, target in CASES[:6]:
        model = build.build_model(spec, seed=3)
        result = bp.explain(spec, model_weights(model), [0.5, -1.2], target, loss)
        for layer, p in enumerate(result.layers):
            for unit in range(p.a.size):
                for source in [None, *range(p.inputs.size)]:
                    rule = bp.chain_rule(result, layer, source, unit)
                    product = math.prod(f.value for f in rule.factors)
                    assert product == pytest.approx(rule.gradient, rel=1e-9, abs=1e-12), (name, layer, source)
                    if rule.sum_terms:
                        assert rule.factors[0].value == pytest.approx(sum(w * d for w, d in rule.sum_terms))


def test_a_single_path_is_written_out_from_the_loss_to_the_input():
    spec = _net(dense(2, "sigmoid"), dense(1, "sigmoid"))
    model = build.build_model(spec, seed=1)
    result = bp.explain(spec, model_weights(model), [0.5, -1.2], [1.0], "binary_crossentropy")
    rule = bp.chain_rule(result, 0, 1, 0)
    assert [f.symbol for f in rule.factors] == ["∂ℓ/∂ŷ", "∂ŷ/∂a(2,1)", "∂a(2,1)/∂h(1,1)", "∂h(1,1)/∂a(1,1)",
                                                "∂a(1,1)/∂w(1: 2→1)"]
    assert rule.factors[-1].value == -1.2
    text = rule.text()
    assert text.startswith("∂ℓ/∂w(1: 2→1) = the product of 5 factors:")
    assert text.splitlines()[1].startswith("    ∂ℓ/∂ŷ = ") and text.endswith(f" = {rule.gradient:.4g}")


def test_plain_sgd_and_adam_steps_equal_keras_optimizers():
    g_values = [0.3, -0.1, 0.25]
    weight = keras.Variable(np.array([0.8], np.float32))
    adam = keras.optimizers.Adam(learning_rate=0.01)
    m = v = 0.0
    w = 0.8
    for t, g in enumerate(g_values, start=1):
        step = bp.AdamStep(w, g, 0.01, m, v, t)
        adam.apply_gradients([(tf.constant([g], tf.float32), weight)])
        assert step.new_weight == pytest.approx(float(weight.numpy()[0]), rel=1e-6)
        assert step.m == pytest.approx(float(adam._momentums[0].numpy()[0]), rel=1e-5)
        assert step.v == pytest.approx(float(adam._velocities[0].numpy()[0]), rel=1e-5)
        w, m, v = step.new_weight, step.m, step.v
    assert "m̂" in step.text() and "v̂" in step.text()
    sgd_var = keras.Variable(np.array([0.8], np.float32))
    keras.optimizers.SGD(learning_rate=0.1).apply_gradients([(tf.constant([0.3], tf.float32), sgd_var)])
    sgd = bp.SgdStep(0.8, 0.3, 0.1)
    assert sgd.new_weight == pytest.approx(float(sgd_var.numpy()[0]), rel=1e-6)
    assert sgd.text() == "w ← w − α·∂ℓ/∂w = 0.8 − 0.1·(0.3) = 0.77"


def test_multiplication_counts_for_the_lectures_networks():
    assert bp.multiplication_count((2, 1)) == bp.MultiplicationCount((2, 1), 3, 5)
    assert bp.multiplication_count((2, 2, 1)) == bp.MultiplicationCount((2, 2, 1), 11, 27)
    deeper = [bp.multiplication_count((2,) + (4,) * k + (1,)) for k in range(1, 5)]
    ratios = [c.naive / c.backprop for c in deeper]
    assert ratios == sorted(ratios) and ratios[-1] > 20  # the saving grows with every layer
    assert all(c.backprop < 3 * c.parameters for c in deeper)  # backprop: a few products per parameter


def test_naive_count_equals_multiplying_out_every_path():
    sizes = (3, 2, 3, 2)
    depth = len(sizes) - 1
    total = 0
    for layer in range(1, depth + 1):  # every parameter, every path to an output, factors − 1 each
        paths = math.prod(sizes[layer + 1:])
        links = depth - layer
        total += sizes[layer - 1] * sizes[layer] * paths * (2 * links + 3 - 1)
        total += sizes[layer] * paths * (2 * links + 2 - 1)
    assert bp.multiplication_count(sizes).naive == total


@pytest.mark.parametrize("layers, words", [
    ((dense(2, "relu"), batchnorm(), dense(1, "sigmoid")), "BatchNormalization"),
    ((dense(2, "relu"), dropout(0.2), dense(1, "sigmoid")), "Dropout"),
])
def test_layers_it_cannot_explain_are_named(layers, words):
    spec = _net(*layers)
    model = build.build_model(spec, seed=1)
    with pytest.raises(bp.CannotExplain, match=words):
        bp.explain(spec, model_weights(model), [0.1, 0.2], [1.0], "binary_crossentropy")


@pytest.mark.parametrize("x, target, loss, words", [
    ([0.1], [1.0], "binary_crossentropy", "takes 2 input numbers, not 1"),
    ([0.1, 0.2], [1.0, 0.0], "binary_crossentropy", "must have 1 value"),
    ([0.1, 0.2], [2.0], "binary_crossentropy", "between 0 and 1"),
    ([0.1, 0.2], [1.0], "hinge", "not one this explains"),
    ([0.1, 0.2], [1.0], "sparse_categorical_crossentropy", "needs a softmax"),
])
def test_bad_samples_are_one_sentence(x, target, loss, words):
    spec = _net(dense(2, "relu"), dense(1, "sigmoid"))
    model = build.build_model(spec, seed=1)
    with pytest.raises(bp.CannotExplain, match=words):
        bp.explain(spec, model_weights(model), x, target, loss)


def test_adams_next_step_from_a_reports_state_is_what_training_does():
    """The engine reports Adam's m, v and step count; AdamStep with them and the batch's gradient (the mean
    of the samples' backprop gradients) predicts the weights after the next step."""
    from annstudio.core import datasets
    from annstudio.core.engine import Probes, Trainer
    from annstudio.core.spec import DataSpec, TrainSpec

    data = datasets.load(DataSpec("linear", size=40, seed=1))
    spec = _net(dense(2, "tanh"), dense(1, "sigmoid"))
    train = TrainSpec("adam", 0.05, 64, 3, "binary_crossentropy", seed=0, shuffle=False)
    reports = list(Trainer(spec, train, data, Probes(optimizer_state=True)).run())
    before, after = reports[-2], reports[-1]
    steps, state = before.adam
    assert steps == 2 and [name for name, _ in state] == ["dense_1", "dense_2"]
    passes = [bp.explain(spec, before.weights, x, y, train.loss) for x, y in zip(data.x_train, data.y_train)]
    for layer, (name, pairs) in enumerate(state):
        for k, (m, v) in enumerate(pairs):  # kernel, then bias
            grads = np.mean([(p.layers[layer].grad_kernel, p.layers[layer].grad_bias)[k] for p in passes], axis=0)
            old = np.asarray(before.layer_weights(name)[k], np.float64)
            new = np.asarray(after.layer_weights(name)[k], np.float64)
            for index in np.ndindex(old.shape):
                step = bp.AdamStep(old[index], grads[index], train.learning_rate, float(m[index]), float(v[index]),
                                   steps + 1)
                assert step.new_weight == pytest.approx(new[index], rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("trained", [False, True])
def test_the_explorers_step_is_keras_adams_step_with_that_gradient(trained):
    """What "Apply" takes: one Keras Adam ``apply_gradients`` with this sample's gradient, from fresh averages
    or from those the training has gathered (a report's ``adam``), to 1e-5; plain SGD for the others."""
    from annstudio.core import datasets
    from annstudio.core.engine import Probes, Trainer
    from annstudio.core.spec import DataSpec, TrainSpec

    data = datasets.load(DataSpec("linear", size=40, seed=1))
    spec = _net(dense(3, "tanh"), dense(1, "sigmoid"))
    train = TrainSpec("adam", 0.05, 16, 2, "binary_crossentropy", seed=0)
    report = list(Trainer(spec, train, data, Probes(optimizer_state=True)).run(2 if trained else 0))[-1]
    adam = report.adam if trained else None
    x, y = data.x_train[5], data.y_train[5]
    result = bp.explain(spec, report.weights, x, y, train.loss)
    ours = bp.optimizer_step(result, train.learning_rate, "adam", adam)
    model = build.build_model(spec, seed=0)
    for name, arrays in report.weights:
        model.get_layer(name).set_weights([np.array(a) for a in arrays])
    optimizer = keras.optimizers.Adam(learning_rate=train.learning_rate)
    optimizer.build(model.trainable_variables)
    if trained:
        steps, state = adam
        optimizer.iterations.assign(steps)
        for var in model.trainable_variables:
            layer, kind = var.path.split("/")[0], 0 if "kernel" in var.path else 1
            m, v = dict(state)[layer][kind]
            optimizer._momentums[optimizer._get_variable_index(var)].assign(m)
            optimizer._velocities[optimizer._get_variable_index(var)].assign(v)
    with tf.GradientTape() as tape:
        loss = keras.losses.BinaryCrossentropy()(np.array([[y]], np.float32), model(x[None].astype(np.float32)))
    grads = tape.gradient(loss, model.trainable_variables)
    before = {var.path: var.numpy().copy() for var in model.trainable_variables}
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    for (name, (kernel, bias)) in ours:
        layer = model.get_layer(name)
        for mine, var in ((kernel, layer.kernel), (bias, layer.bias)):
            moved = var.numpy() - before[var.path]
            assert np.abs(moved).max() > (0.5 * train.learning_rate if not trained else 1e-4)  # a first: ~α
            np.testing.assert_allclose(mine - before[var.path], moved, rtol=1e-5, atol=1e-7)
    # the text of one weight shows that very step
    m, v, steps = bp.adam_moments(adam, "dense_2", 1, 0)
    step = bp.AdamStep(float(result.layers[1].kernel[1, 0]), float(result.layers[1].grad_kernel[1, 0]),
                       train.learning_rate, m, v, steps + 1)
    assert step.new_weight == pytest.approx(float(ours[1][1][0][1, 0]), rel=1e-12)
    sgd = bp.optimizer_step(result, train.learning_rate, "sgd", adam)
    first = result.layers[0]
    np.testing.assert_allclose(sgd[0][1][0], first.kernel - train.learning_rate * first.grad_kernel)
