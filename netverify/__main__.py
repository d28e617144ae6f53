"""``python -m netverify``."""

from netverify.cli import run

run()
