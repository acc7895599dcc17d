"""A stand-in for a task where only its shapes matter (building a model spec)."""


class ShapesTask:
    """input_dim, output_dim and, for token models, the modulus (vocabulary size)."""

    def __init__(self, input_dim, output_dim, modulus=None):
        self.input_dim, self.output_dim = input_dim, output_dim
        if modulus:
            self.modulus = modulus
