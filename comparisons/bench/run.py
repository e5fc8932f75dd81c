"""One ``handgrad bench`` run: the machine's rates, the table at one batch size, the sweeps, memory."""

import os
from dataclasses import dataclass, field

from comparisons.bench import backends as bk
from comparisons.bench import floor, memory, sweeps
from comparisons.bench.measure import measure
from comparisons.bench.subject import Subject, has_width
from comparisons.timing import thread_limits


@dataclass
class Bench:
    """Everything ``handgrad bench`` writes; every number in it was measured in this run."""

    model: str
    settings: dict
    rates: dict                                   # {"cpu": Rates, "gpu": Rates or None}
    gpu: dict                                     # backends.gpus()
    machine: dict                                 # comparisons.machine.describe
    table: list = field(default_factory=list)     # rows at the headline m, with peak memory
    sweep_m: list = field(default_factory=list)
    sweep_width: list = field(default_factory=list)
    slopes: list = field(default_factory=list)
    notes: list = field(default_factory=list)     # sentences about what was skipped and why


def backend_names(subject, wanted=None):
    """The backends that run ``subject``, restricted to ``wanted`` when given."""
    return [b for b in bk.available(subject) if wanted is None or b in wanted]


def measure_rates(dtypes, threads, gpu):
    """{"cpu": Rates, "gpu": Rates or None}, measured with ``threads`` threads."""
    with thread_limits(threads):
        rates = {"cpu": floor.measure(dtypes)}
    rates["gpu"] = floor.measure_cuda(dtypes) if gpu.get("torch") else None
    return rates


def run(model, m=60_000, dtypes=("float32", "float64"), kinds=bk.KINDS, backends=None, ms=sweeps.M_SWEEP,
        widths=sweeps.WIDTH_SWEEP, width_m=sweeps.WIDTH_M, repeats=7, warmup=2, threads=None, seed=0,
        with_memory=True, progress=None):
    """Run the bench for catalogue ``model``; ``ms`` or ``widths`` empty skips that sweep."""
    from tqdm import tqdm

    from comparisons import machine

    threads = threads or os.cpu_count()
    gpu = bk.gpus()
    notes = []
    if widths and not has_width(model):
        notes.append(f"No width sweep: {model.name} has no hidden width to change.")
        widths = ()
    own = Subject(model)
    plan = [(own, [m]), (own, list(ms))] + [(Subject(model, w), [width_m]) for w in widths]
    total = sum(len(sizes) * len(dtypes) * len(kinds) * len(backend_names(s, backends)) for s, sizes in plan)
    bench = Bench(model.name, dict(m=m, dtypes=list(dtypes), kinds=list(kinds), repeats=repeats, warmup=warmup,
                                   threads=threads, seed=seed, ms=list(ms), widths=list(widths), width_m=width_m),
                  measure_rates(dtypes, threads, gpu), gpu, {}, notes=notes)
    common = dict(dtypes=dtypes, kinds=kinds, seed=seed, repeats=repeats, warmup=warmup, threads=threads,
                  rates=bench.rates)
    with tqdm(total=total, desc=f"bench {model.name}", disable=None if progress is None else not progress, leave=False) as bar:
        bench.table = measure(own, [m], backends=backend_names(own, backends), bar=bar, **common)
        if ms:
            bench.sweep_m = sweeps.sweep_m(model, ms, backends=backend_names(own, backends), bar=bar, **common)
        for w in widths:
            bench.sweep_width += sweeps.sweep_width(model, [w], width_m, bar=bar,
                                                    backends=backend_names(Subject(model, w), backends), **common)
    bench.slopes = sweeps.slopes(bench.sweep_m, "m") + sweeps.slopes(bench.sweep_width, "n_h")
    if widths and Subject(model, widths[0]).through_fast:
        notes.append(f"Width sweep: the literal manual module fixes n_h = {own.own_width}, so its line has "
                     "that one point; the fast manual module, PyTorch and JAX run every width.")
    if with_memory:
        jobs = [(r["dtype"], r["kind"], r["backend"]) for r in bench.table]
        peaks = {(p["dtype"], p["kind"], p["backend"]): p for p in memory.measure(model.name, None, m, seed, threads, jobs)}
        for r in bench.table:
            p = peaks[(r["dtype"], r["kind"], r["backend"])]
            r.update(peak_MiB=p["peak_MiB"], memory_how=p["memory_how"])
    with thread_limits(threads):
        bench.machine = machine.describe(threads)
    return bench
