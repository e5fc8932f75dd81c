"""``handgrad models``: the catalogue, with sizes and parameter counts."""

import pandas as pd

from comparisons import catalogue


def add_parser(commands):
    commands.add_parser("models", help="list the catalogue's models with sizes and parameter counts")


def table():
    """One row per catalogue model: name, parameter count, parameter shapes, speed batch, summary."""
    return pd.DataFrame([dict(name=m.name, parameters=m.n_params(), shapes=m.sizes(), speed_m=m.speed_m,
                              summary=m.summary) for m in catalogue.CATALOGUE.values()])


def run(args):
    print(table().to_string(index=False))
    return 0
