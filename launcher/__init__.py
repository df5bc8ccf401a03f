"""dapr-aws: run Dapr (or any command) with AWS credentials that stay fresh."""

__version__ = "0.1.0"
