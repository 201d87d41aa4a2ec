"""Sentences the app shows: articles before digits, one status line in the loss plot's own format."""
from annstudio.core.words import a_or_an, report_line


def test_an_eight_and_a_seven():
    assert [a_or_an(n) for n in (0, 7, 8, 11, 18, 80, 110, 8000)] == [
        "a 0", "a 7", "an 8", "an 11", "an 18", "an 80", "a 110", "an 8000"]
    assert a_or_an("orange point") == "an orange point" and a_or_an("blue one") == "a blue one"


def test_the_status_line_uses_the_plots_format_and_says_when_an_epoch_is_not_over():
    metrics = {"loss": 0.357812, "accuracy": 0.95912, "test_loss": 0.4}
    assert report_line(10, metrics) == "Epoch 10 · loss 0.3578 · test loss 0.4 · accuracy 0.9591"
    line = report_line(3, {"loss": 0.5}, batches=40, partial=True, epochs_per_second=120.4)
    assert line == "Epoch 3, batch 40: this epoch so far · loss 0.5 · 120 epochs/s"
