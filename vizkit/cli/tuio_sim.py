"""``vizkit tuio-sim``: scripted multi-touch gestures sent as real TUIO 1.1 bundles.

The simulator itself is :mod:`vizkit.input.tuio_sim`; this command hands it every argument after
``tuio-sim`` unparsed (its own parser explains them: ``vizkit tuio-sim --help``).
"""

from __future__ import annotations

import argparse

NAME = "tuio-sim"


def add_parser(sub: argparse._SubParsersAction) -> None:
    sim = sub.add_parser(
        NAME, add_help=False,
        help="send scripted multi-touch gestures as TUIO 1.1 (a touch table without a table)",
        description="Send tap, drag, pinch, rotate and pan gestures, several hands at once, as "
                    "TUIO 1.1 bundles over UDP (or TCP). See vizkit tuio-sim --help.")
    sim.add_argument("argv", nargs=argparse.REMAINDER, help="the simulator's arguments")


def cmd_tuio_sim(args: argparse.Namespace) -> int:
    from vizkit.input.tuio_sim import main

    return main(list(args.argv))
