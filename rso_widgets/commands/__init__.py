"""One module per command: each offers `run(args) -> int`."""
