"""paperlight: ask scientific papers questions; answers beside the sentences that support them."""

__version__ = "0.1.0"
