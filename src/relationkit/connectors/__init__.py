"""Built-in connectors: ``memory`` (an in-process remote for tests and examples) and ``csv``."""
