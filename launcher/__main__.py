"""`python -m launcher` behaves exactly like the `dapr-aws` command."""

from launcher.cli import main

if __name__ == "__main__":
    main(prog_name="dapr-aws")
