"""ANN Studio: build artificial neural networks by point and click, train them live, look inside them."""

__version__ = "0.1.0"
