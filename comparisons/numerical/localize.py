"""Where a derivation goes wrong: the first quantity, in backward order, whose error jumps.

A backward pass computes its quantities in order (dZ2, dW2, db2, dA1, dZ1, dW1, db1 for the seed
network), and every quantity after a wrong one that depends on it is wrong too. So the line to look
at is the first one, in that order, that disagrees with its witness. An intermediate the witness
cannot reach (dA1: no bias of its own) is named beside it: the mistake may sit on its line.
"""

from dataclasses import dataclass

from comparisons.agreement import AGREE


@dataclass(frozen=True)
class Localisation:
    """first: the first disagreeing quantity (None when all agree); max_rel: its error; before: the
    last agreeing quantity before it; unwitnessed: quantities between them that no witness covers;
    profile: (quantity, max_rel or None) in backward order."""

    first: str = None
    max_rel: float = 0.0
    before: str = None
    unwitnessed: tuple = ()
    profile: tuple = ()

    def sentence(self):
        trail = " · ".join(f"{q} {'-' if e is None else f'{e:.1e}'}" for q, e in self.profile)
        if self.first is None:
            return f"Every witnessed quantity agrees ({trail})."
        after = f" after {self.before} agreed" if self.before else ""
        also = (f"; {', '.join(self.unwitnessed)} just before it has no numerical witness, so check "
                f"{'that line' if len(self.unwitnessed) == 1 else 'those lines'} too" if self.unwitnessed else "")
        return (f"First wrong line in backward order: {self.first} (max_rel {self.max_rel:.1e}{after}){also}. "
                f"Errors in backward order: {trail}.")


def localize(rows, order):
    """A ``Localisation`` from ``compare`` rows (manual vs a witness) and the backward order of keys."""
    by_quantity = {r["quantity"]: r for r in rows if r["quantity"] != "J"}
    profile = tuple((q, by_quantity[q]["max_rel"] if q in by_quantity else None) for q in order)
    before, skipped = None, []
    for q in order:
        if q not in by_quantity:
            skipped.append(q)
            continue
        if by_quantity[q]["verdict"] != AGREE:
            return Localisation(q, by_quantity[q]["max_rel"], before, tuple(skipped), profile)
        before, skipped = q, []
    return Localisation(profile=profile)
