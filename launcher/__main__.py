"""`python -m launcher` behaves exactly like the `dapr-aws` command."""

from launcher.cli.entry import main

if __name__ == "__main__":
    main()
