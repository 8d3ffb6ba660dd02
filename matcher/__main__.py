import sys

# Commands that encode a statement read the encoder while the rest of the program loads.
ENCODING_COMMANDS = {"recommend", "funders"}
if len(sys.argv) > 1 and sys.argv[1] in ENCODING_COMMANDS:
    from .meaning import load_in_background

    load_in_background()

from .cli import main  # noqa: E402

raise SystemExit(main())
