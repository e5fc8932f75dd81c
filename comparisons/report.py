"""``handgrad report``: agreement and speed tables for catalogue models, on screen and on disk."""

from dataclasses import dataclass, field, replace
from itertools import combinations

import numpy as np
import pandas as pd

from comparisons.agreement import AGREE, COLUMNS, METRIC, NOT_MEASURED, PASSING, PER_EXAMPLE, RTOL, WHY, compare
from comparisons.bench import speed_view
from comparisons.catalogue import SOURCES
from comparisons.sections import Section
from comparisons.sections import build as build_section
from comparisons.sharing import Failed, run_parts
from comparisons.sources import run_all

WITNESS = "numerical"    # the fourth source: comparisons.numerical, differences of the loss alone
WITNESS_BUDGET_S = 2.0   # per model and dtype: every element when that fits, else a sample and directions


@dataclass
class Report:
    """Everything a report shows; every number in it was computed in this run."""

    agreement: pd.DataFrame
    speed: pd.DataFrame
    data: dict = field(default_factory=dict)       # {model: description of its data}
    machine: dict = field(default_factory=dict)    # from comparisons.bench.describe_machine
    sections: list = field(default_factory=list)   # comparisons.sections.Section, from model extras
    figures: dict = field(default_factory=dict)    # {file name: PNG bytes}, e.g. the witness's step sweeps
    models: list = field(default_factory=list)     # the catalogue Models reported, for the HTML page's equations

    def _repr_html_(self):
        """In a notebook: the HTML report's page (comparisons.html), tables, maths and plots inline."""
        from comparisons.html import report_html

        return report_html(self, standalone=False)

    @property
    def all_agree(self):
        """No comparison failed ("not measured" is not a failure) and every section agrees."""
        return bool(self.agreement["verdict"].isin(PASSING).all()) and all(s.ok for s in self.sections)

    @property
    def failed_sections(self):
        """Sections that could not be computed: an internal error, shown in the report as failed."""
        return [s for s in self.sections if s.failed]


def exit_status(report):
    """3 when a section failed (our error: the rest of the report is still written), 1 when a derivation
    disagrees, 0 otherwise (see comparisons.cli)."""
    return 3 if report.failed_sections else 0 if report.all_agree else 1


def guarded(name, title, make):
    """``make()`` (a list of Sections), or one failed Section naming the error when it raises: a section
    that fails is an error of ours, and must not take the agreement tables and the other sections with it.
    The traceback goes to the log of ``comparisons.cli``."""
    try:
        return make()
    except Exception as e:   # noqa: BLE001 - shown in the report, logged, and reflected in the exit status
        from comparisons.cli import log_internal_error

        log = log_internal_error()
        reason = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        return [Section(name, title, pd.DataFrame({"section": [title], "status": ["failed"], "reason": [reason]}),
                        text=f"This section failed with an internal error ({reason}); traceback in {log}.",
                        ok=False, failed=reason)]


def agreement_rows(model, dtype, seed=0, witnesses=None, drawn_in=None):
    """Rows for every pair of sources on the model's built-in data; returns (rows, data description).

    With a list ``witnesses``, the numerical witness joins as a fourth source and its
    (manual ``Result``, ``Witness``) pair is appended to the list, for the witness section.
    ``drawn_in``: the dtype the parameters and data are drawn in, then cast to ``dtype`` (see ``ModelPart``).
    """
    from comparisons.numerical import witness

    data = model.data(None, seed, np.dtype(drawn_in or dtype))
    params = cast(model.init_params(seed, np.dtype(drawn_in or dtype)), dtype)
    X, Y = cast({"X": data.X, "Y": data.Y}, dtype).values()
    results = run_all(model, params, X, Y)
    sources = SOURCES
    if witnesses is not None:
        w = witness(model, params, X, Y, budget_s=WITNESS_BUDGET_S,
                    like=witnesses[-1][1] if witnesses else None)   # one step sweep per model
        results[WITNESS], sources = w.result, (*SOURCES, WITNESS)
        witnesses.append((results["manual"], w))
    rows = [row for a, b in combinations(sources, 2) for row in compare(results[a], results[b], model.label)]
    return rows, data.description


def cast(arrays, dtype):
    """{name: array} with its floating arrays in ``dtype`` (labels stay integers)."""
    return {k: a.astype(dtype, copy=False) if np.issubdtype(a.dtype, np.floating) else a for k, a in arrays.items()}


@dataclass(frozen=True)
class ModelPart:
    """One model's share of a report: its agreement rows in every dtype, its witness section with the
    step-sweep plots, and its extra sections. A part for ``comparisons.sharing`` (picklable; so is what
    ``run`` returns: ``(rows, data description, sections, figures)``).

    With float32 among the dtypes, the parameters and data are drawn in float32 and cast for the other
    dtypes: every dtype is checked at one point, and the float32 witness, whose float64 point is then
    the float64 witness's bit for bit, takes that witness's estimates instead of measuring them again
    (for dlai_deep, 5 s). The float64 rows lose nothing: their arithmetic is float64 throughout."""

    model: object
    dtypes: tuple
    seed: int
    witness: bool

    @property
    def name(self):
        return self.model.name

    def run(self):
        from comparisons.sections.witness_scores import witness_section

        model, rows, described, sections, figures = self.model, [], None, [], {}
        witnesses = [] if self.witness else None
        drawn_in = "float32" if "float32" in self.dtypes else None
        for dtype in self.dtypes:
            model_rows, described = agreement_rows(model, dtype, self.seed, witnesses, drawn_in)
            rows += model_rows
        if self.witness:
            def witness_part():
                section, plots = witness_section(model.name, witnesses)
                figures.update(plots)
                return [section]
            sections += guarded(model.name, "numerical witness", witness_part)
        for extra in model.extras:
            sections += guarded(model.name, extra.replace("_", " "),
                                lambda extra=extra: build_section(extra, model, self.dtypes, self.seed))
        return rows, described, [labelled(s, model) for s in sections], figures


@dataclass(frozen=True)
class LayerPart:
    """The rows of the layer table (``comparisons.layer_check.table``) of one module's layers, a part for
    ``comparisons.sharing``: in one table, layers of one forward share its witness (makemore's step by
    step and fused backwards). The rows of every part make one section (``layer_section``)."""

    layers: tuple
    dtypes: tuple
    seed: int
    witness: bool

    @property
    def name(self):
        return f"layers {', '.join(layer.name for layer in self.layers)}"

    def run(self):
        from comparisons import layer_check

        return layer_check.table(list(self.layers), self.dtypes, self.seed, witness=self.witness)


def by_module(layers):
    """``layers`` in runs of one module each, in their order (the parts of a report's layer table)."""
    from itertools import groupby

    return [tuple(run) for _, run in groupby(layers, key=lambda layer: layer.module)]


def layer_section(results, witness):
    """The layer catalogue's section from its parts' tables; a part that failed fails the section (our
    error: ``guarded`` shows it and logs the traceback)."""
    from comparisons.layer_reports import TITLE, section_of

    def make():
        for r in results:
            if isinstance(r, Failed):
                r.reraise()
        return [section_of(pd.concat(results, ignore_index=True), witness)]

    return guarded("layers", TITLE, make)


def build(models, dtypes=("float64", "float32"), seed=0, speed=True, speed_m=None, repeats=5,
          threads=None, progress=True, witness=True, layers=(), jobs=None):
    """Run agreement (and speed, unless ``speed=False``) for ``models``; returns a ``Report``.

    ``witness``: the numerical witness as a fourth source, with its own section and step-sweep plots.
    ``layers``: ``manual.layers.Layer`` entries whose table (``comparisons.layer_reports.section``) is a
    section of its own, after the models'. ``jobs``: processes that share the models' and layers'
    checks (``comparisons.sharing``; default: one per core, when there is enough to share); the speed
    rows are timed afterwards, in this process alone.
    """
    from tqdm import tqdm

    from comparisons.bench import describe_machine, speed_rows

    parts = ([ModelPart(model, tuple(dtypes), seed, witness) for model in models]
             + [LayerPart(run, tuple(dtypes), seed, witness) for run in by_module(layers)])
    with tqdm(total=len(parts), desc="checking", unit="part", disable=not progress, leave=False) as bar:
        def done(part):
            bar.set_postfix_str(part.name)
            bar.update()
        results = run_parts(parts, jobs, done)

    rows, described, sections, figures = [], {}, [], {}
    for part, result in zip(parts[:len(models)], results):
        if isinstance(result, Failed):      # an error of ours in the agreement itself: it ends the report
            result.reraise()
        model_rows, described[part.model.label], model_sections, plots = result
        rows += model_rows
        sections += model_sections
        figures.update(plots)
    if layers:
        sections += layer_section(results[len(models):], witness)
    speeds = []
    if speed:       # timed alone, after the checks and their workers have ended: a quiet machine
        for model in models:
            speeds += [{**r, "model": model.label}
                       for r in speed_rows(model, dtypes, speed_m, seed, repeats, threads=threads, progress=progress)]
    info = describe_machine(speeds[0]["threads"]) if speeds else {}
    return Report(pd.DataFrame(rows, columns=COLUMNS), pd.DataFrame(speeds), described, info, sections, figures,
                  list(models))


def labelled(section, model):
    """``section`` saying the config set by options (``Model.label``): in its text, and in its table's
    model column where it has one; its title and file names keep the bare name."""
    if model.label == model.name:
        return section
    table = section.table.assign(model=model.label) if "model" in section.table else section.table
    return replace(section, table=table, text=" ".join(filter(None, [f"Model: {model.label}.", section.text])))


def agreement_matrix(agreement):
    """Quantities down, (dtype, pair) across; each cell the max relative error, flagged unless agreed."""
    cell = agreement["max_rel"].map(lambda x: f"{x:.1e}") + agreement["verdict"].map(
        lambda v: "" if v == AGREE else f" {v}")
    cell = cell.where(agreement["verdict"] != NOT_MEASURED, NOT_MEASURED)   # no number: nothing was compared
    index = ["model", "quantity", "scaling"]
    wide = agreement.assign(cell=cell).pivot_table(
        index=index, columns=["dtype", "pair"], values="cell", aggfunc="first", sort=False)
    wide = wide.reindex(pd.MultiIndex.from_frame(agreement[index].drop_duplicates()))  # backward order
    wide.columns = [f"{d} {p}" for d, p in wide.columns]
    return wide.reset_index().fillna("-")   # "-": a pair that does not compare this quantity (dA: no witness)


def matrices(agreement):
    """[(dtype, agreement_matrix of that dtype's rows)], one table per dtype so each fits a screen."""
    return [(dtype, agreement_matrix(rows).rename(columns=lambda c: c.removeprefix(f"{dtype} ")))
            for dtype, rows in agreement.groupby("dtype", sort=False)]


def notes(report):
    """The sentences that explain the tables: data, scaling convention, tolerances and why."""
    lines = [f"- Data, {name}: {text}." for name, text in report.data.items()]
    if len(set(report.agreement["dtype"])) > 1 and "float32" in set(report.agreement["dtype"]):
        lines.append("- One point per model in every dtype: parameters and data are drawn in float32 and cast "
                     "to float64 for the float64 rows, so the float32 witness is the float64 one, not measured "
                     "twice.")
    lines.append(f"- Intermediates (dZ, dA) follow the derivation: per example, `{PER_EXAMPLE}` of "
                 "autograd's gradient of the mean loss J. Parameter gradients are dJ/dθ as they are.")
    lines.append("- JAX's gradients are compiled without XLA's optimizations (`reference.jax_ad.ONCE`): each runs "
                 "once, to be compared, and compiles in a tenth of the time; the same operations, rounded in "
                 "another order at most (a few units in the last place). The speed rows compile as XLA does by "
                 "default.")
    lines.append(f"- {METRIC}")
    lines += [f"- rtol {dtype}: {RTOL[dtype]:.0e}, because {WHY[dtype]}." for dtype in RTOL]
    if report.agreement["pair"].str.endswith(f" vs {WITNESS}").any():
        lines.append(f"- {WITNESS}: the witness of comparisons/numerical, differences of the manual loss in "
                     "float64 with no autograd; it gives J, the parameter gradients and the dZ of a few "
                     "examples (not dA), so its pairs compare those, on the elements it measured, with the "
                     "larger of the dtype's rtol and its method's (see the numerical witness section).")
    return "\n".join(lines)


def machine_lines(report):
    return "\n".join(f"- {k}: {v}" for k, v in report.machine.items())


MATRIX_KEYS = ["quantity"]   # and every pair; the scaling is in the Markdown and the notes
SECTION_KEYS = ["model", "layer", "section", "status", "reason", "dtype", "lambda", "iteration", "J", "grad_max",
                "pair", "quantity", "measured", "cs231n", "ng", "dlai", "torch", "jax", "numerical", "max_rel",
                "verdict"]
SPEED_KEYS = ["model", "dtype", "m", "backend", "median_ms", "vs_manual", "status"]


def render_terminal(report, out=None):
    """The report as text that fits the terminal (``comparisons.terminal``): each table narrowed to
    its key columns where it must be, with the files in ``out`` that hold every column named under it;
    notes and the verdict wrapped."""
    from comparisons.terminal import every_column, fit_table, fit_tables, wrap_notes

    parts = []
    for dtype, matrix in matrices(report.agreement):
        parts.append(wrap_notes(f"Agreement, {dtype} (max relative error per quantity; 'agree' unless flagged)"))
        keys = [c for c in matrix.columns if c not in ("model", "scaling")] + MATRIX_KEYS
        models = list(matrix.groupby("model", sort=False))     # one table per model, its name above it
        shown = fit_tables([rows.drop(columns=["model"]) for _, rows in models], keys,
                           note=every_column(out, ["agreement.md", "agreement.csv"]))
        parts += [line for (model, _), table in zip(models, shown) for line in (wrap_notes(f"{model}:"), table)]
        parts.append("")
    if not report.agreement.empty:
        parts.append(wrap_notes(notes(report)))
    for s in report.sections:
        title = f"{s.model}: {s.title}" + ("  [FAILED]" if s.failed else "" if s.ok else "  [DISAGREES]")
        parts += ["", wrap_notes(title),
                  fit_table(s.table, SECTION_KEYS, floatfmt=".4g",
                            note=every_column(out, [f"{s.slug}.md", f"{s.slug}.csv"]))]
        parts += [wrap_notes(s.text)] if s.text else []
    if not report.speed.empty:
        parts += ["", "Speed: one full-batch forward + backward (median after warm-up)",
                  fit_table(speed_view(report.speed), SPEED_KEYS, floatfmt="g",
                            note=every_column(out, ["speed.md", "speed.csv"])),
                  "", wrap_notes(machine_lines(report))]
    parts += ["", wrap_notes(verdict_line(report))]
    return "\n".join(parts)


def verdict_line(report):
    """One line: every derivation agrees, or what disagrees; what was not measured and what failed, named."""
    verdicts = report.agreement["verdict"]
    bad = report.agreement[~verdicts.isin(PASSING)]
    unmeasured = report.agreement[verdicts == NOT_MEASURED]
    failures = [f"{r.model} {r.dtype} {r.quantity} ({r.pair}: {r.verdict})" for r in bad.itertuples()]
    failures += [f"{s.model}: {s.title}" for s in report.sections if not s.ok and not s.failed]
    line = ("VERDICT: every derivation agrees." if not failures else
            f"VERDICT: {len(failures)} comparison(s) disagree: " + ", ".join(failures))
    if len(unmeasured):
        line += (f" Not measured ({len(unmeasured)}, nothing to compare): "
                 + ", ".join(f"{r.model} {r.dtype} {r.quantity} ({r.pair})" for r in unmeasured.itertuples()) + ".")
    if report.failed_sections:
        line += (" FAILED (internal error, see the section): "
                 + ", ".join(f"{s.model}: {s.title}" for s in report.failed_sections) + ".")
    return line


def files(report):
    """{file name: text}: agreement and speed tables as Markdown and CSV; figures as PNG bytes."""
    out = {} if report.agreement.empty else {     # a report of layers alone has no model to agree on
        "agreement.md": "# Agreement\n\n" + "".join(f"## {dtype}\n\n{matrix.to_markdown(index=False, disable_numparse=True)}\n\n"
                                                  for dtype, matrix in matrices(report.agreement))
                        + notes(report) + "\n\n## Every comparison\n\n"
                        + report.agreement.to_markdown(index=False, floatfmt=".2e") + "\n",
        "agreement.csv": report.agreement.to_csv(index=False),
    }
    for s in report.sections:
        out[f"{s.slug}.md"] = (f"# {s.model}: {s.title}\n\n" + s.table.to_markdown(index=False)
                               + ("\n\n" + s.text if s.text else "") + "\n")
        out[f"{s.slug}.csv"] = s.table.to_csv(index=False)
    if not report.speed.empty:
        out["speed.md"] = ("# Speed: one full-batch forward + backward\n\n"
                           + speed_view(report.speed).to_markdown(index=False) + "\n\n"
                           "Median and quartiles over the repeats after the warm-up calls; jax.jit's "
                           "ahead-of-time compile time in `compile_s`, never in the step time (what this run "
                           "paid: a program an earlier run compiled is read from JAX's persistent cache).\n\n"
                           "## Machine\n\n" + machine_lines(report) + "\n")
        out["speed.csv"] = report.speed.to_csv(index=False)
    out.update(report.figures)
    return out
