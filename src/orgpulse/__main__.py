"""`python -m orgpulse ...`: the same command line as the `orgpulse` script."""

from orgpulse.cli import main

if __name__ == "__main__":
    main(prog_name="python -m orgpulse")
