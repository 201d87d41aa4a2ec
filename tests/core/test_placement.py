"""Where an opened model goes (core/placement.py): one rule, Qt-free."""
from annstudio.core.placement import MNIST, PLAYGROUND, PREDICTION, REFUSED, place_model, playground_data
from annstudio.core.spec import DataSpec, LayerSpec, NetworkSpec


def net(shape, outputs, activation="sigmoid"):
    return NetworkSpec(input_shape=shape, layers=[LayerSpec(units=outputs, activation=activation)])


def test_points_go_to_the_playground_and_digits_to_mnist():
    assert place_model("a.keras", net((2,), 1)).where == PLAYGROUND
    assert place_model("a.keras", net((1,), 1, "linear")).where == PLAYGROUND
    assert place_model("a.keras", net((28, 28), 10, "softmax")).where == MNIST


def test_a_digit_reader_the_builder_cannot_show_is_for_prediction_only():
    assert place_model("cnn.keras", None, "Conv2D is not a builder layer").where == PREDICTION
    assert place_model("flat.keras", net((784,), 10, "softmax")).where == PREDICTION


def test_refusals_say_why_and_that_nothing_changed():
    cases = [(net((28, 28), 5, "softmax"), "gives 5 outputs"), (net((3,), 1), "inputs of shape (3,)"),
             (net((1,), 2, "softmax"), "exactly 1 output")]
    for network, words in cases:
        placed = place_model("m.keras", network, digit_refusal="it takes other inputs")
        assert placed.where == REFUSED and words in placed.why and "Nothing was changed" in placed.why
    placed = place_model("m.keras", None, "an LSTM layer", "it takes inputs of shape (5, 3)")
    assert placed.where == REFUSED and "an LSTM layer" in placed.why and "(5, 3)" in placed.why


def test_the_playground_keeps_data_the_model_fits_and_else_picks_some():
    moons = DataSpec("moons", size=200)
    assert playground_data(net((2,), 1), moons) == (moons, "binary_crossentropy")
    data, loss = playground_data(net((2,), 4, "softmax"), moons)
    assert (data.kind, data.classes, loss) == ("spiral", 4, "sparse_categorical_crossentropy")
    data, loss = playground_data(net((1,), 1, "linear"), moons)
    assert data.is_regression and loss == "mse"
