"""The gallery as text for the terminal, and as Markdown and CSV files."""

from tabulate import tabulate

from comparisons.mistakes.exhibit import CAUGHT, PASSES

INTRO = ("Each mistake is a copy of a correct derivation with one line changed, checked exactly as "
         "`handgrad verify` checks your code: against PyTorch and JAX autograd (and the numerical "
         "witness where installed) on a typical batch, a batch with large logits and a batch missing a "
         "class. `batch` and `quantity` say where it first shows, in backward order. Look-alikes are "
         "written differently but are right: they must pass.")


def summary(gallery):
    t = gallery.table
    mistakes, alikes = t[t["kind"] == "mistake"], t[t["kind"] == "look-alike"]
    return (f"{(mistakes['verdict'] == CAUGHT).sum()} of {len(mistakes)} mistakes caught; "
            f"{(alikes['verdict'] == PASSES).sum()} of {len(alikes)} look-alikes pass.")


def render_terminal(gallery):
    view = gallery.table.drop(columns=["instead of"])
    widths = {"name": 24, "planted": 34, "diagnosis": 44, "conventions that flag it": 22}
    widths = [widths.get(c) for c in view.columns]
    table = tabulate(view, headers="keys", tablefmt="simple", showindex=False, disable_numparse=True,
                     maxcolwidths=widths)
    return f"{table}\n\n{summary(gallery)}"


def files(gallery):
    """{file name: text}: mistakes.md and mistakes.csv."""
    return {"mistakes.md": (f"# Classic mistakes, caught and explained\n\n{INTRO}\n\n"
                            + gallery.table.to_markdown(index=False) + f"\n\n{summary(gallery)}\n"),
            "mistakes.csv": gallery.table.to_csv(index=False)}
