"""``python -m netverify``."""

from netverify.cli import main

main()
