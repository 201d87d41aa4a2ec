"""A large data set is copied into TensorFlow once and shared by its trainers (MNIST: 220 MB, 0.2-0.6 s of every
Play, also of the next network's after a student added a layer); small ones and other parts are copied anew."""
import gc

import numpy as np

from annstudio.core import engine
from annstudio.core.datasets import Dataset
from annstudio.core.engine import Trainer
from annstudio.core.spec import NetworkSpec, TrainSpec, dense, flatten


def _images(rows: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.random((rows, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, rows).astype(np.float32)
    return Dataset("mnist", x, y, x[:200].copy(), y[:200].copy(), "multiclass", 10, (0.0, 28.0, 0.0, 28.0))


def _net(hidden: int) -> NetworkSpec:
    return NetworkSpec((28, 28), (flatten(), dense(hidden, "relu"), dense(10, "softmax")), features=())


_KIND = ("multiclass", 10, (0.0, 28.0, 0.0, 28.0))
TRAIN = TrainSpec(loss="sparse_categorical_crossentropy", epochs=1, batch_size=128, seed=3)


def test_the_trainers_of_a_large_data_set_share_one_copy_and_train_as_with_their_own():
    data = _images(3000)  # 9.4 MB of images
    assert data.x_train.nbytes >= engine.SHARED_DATA_BYTES
    first = Trainer(_net(16), TRAIN, data)
    second = Trainer(_net(24), TRAIN, data)  # another network (a layer wider) of the same data
    assert second.x_train is first.x_train
    np.testing.assert_array_equal(first.x_train.numpy(), data.x_train)
    own = engine.SHARED_DATA_BYTES
    try:
        engine.SHARED_DATA_BYTES = 1 << 40  # nothing shared: each trainer its own copy
        alone = Trainer(_net(24), TRAIN, data)
        assert alone.x_train is not first.x_train
        expected = alone.train_to_end().history[-1]
    finally:
        engine.SHARED_DATA_BYTES = own
    got = second.train_to_end().history[-1]
    assert got["loss"] == expected["loss"] and got["accuracy"] == expected["accuracy"]
    first.release()
    second.release()


def test_another_part_of_the_data_makes_a_new_copy_and_small_data_is_never_kept():
    data = _images(3000, seed=1)
    whole = Trainer(_net(8), TRAIN, data).x_train
    part = Trainer(_net(8), TrainSpec(**{**TRAIN.__dict__, "validation_split": 0.2}), data).x_train
    assert part is not whole and part.shape[0] == 2400
    small = _images(50)
    assert Trainer(_net(8), TRAIN, small).x_train is not Trainer(_net(8), TRAIN, small).x_train


def test_a_kept_copy_goes_with_its_data_set():
    data = _images(3000, seed=2)
    Trainer(_net(8), TRAIN, data).release()
    ref = next(ref for ref, _, _ in engine._shared.values() if ref() is data.x_train)
    del data
    gc.collect()
    assert ref() is None and all(kept is not ref for kept, _, _ in engine._shared.values())


def test_trainers_of_the_first_rows_of_a_large_data_set_share_their_copy():
    """The MNIST tab trains on its first N images: a new view of the same images at every Play."""
    data = _images(4000, seed=4)
    a = Dataset("mnist", data.x_train[:3000], data.y_train[:3000], data.x_test, data.y_test, *_KIND)
    b = Dataset("mnist", data.x_train[:3000], data.y_train[:3000], data.x_test, data.y_test, *_KIND)
    first, second = Trainer(_net(8), TRAIN, a), Trainer(_net(8), TRAIN, b)
    assert second.x_train is first.x_train and first.x_train.shape[0] == 3000
    np.testing.assert_array_equal(first.x_train.numpy(), data.x_train[:3000])
    other = Trainer(_net(8), TRAIN, Dataset("mnist", data.x_train[1000:4000], data.y_train[1000:4000],
                                            data.x_test, data.y_test, *_KIND))
    np.testing.assert_array_equal(other.x_train.numpy(), data.x_train[1000:4000])  # other rows: their own copy
    assert engine._rows_of(data.x_train[1000:4000]) == (data.x_train, 1000)
    assert engine._rows_of(data.x_train[::2])[0] is not data.x_train  # not a run of rows: itself


def test_the_images_copy_made_ahead_is_the_one_a_trainer_takes():
    """The MNIST loader makes it (engine.share_images) so that Play does not wait for it."""
    data = _images(3000, seed=6)
    engine.share_images(data)
    made = next(t for ref, _, t in engine._shared.values() if ref() is data.x_train)
    assert Trainer(_net(8), TRAIN, data).x_train is made
