"""``handgrad report --html``: the report as one self-contained page, a section per model.

Per model: its data; the derivation's equations as MathML (``equations``, ``maths``); every quantity's
manual NumPy line beside the PyTorch and JAX lines autograd differentiates (``code``), with its agreement
(max relative error of manual against each other source, per dtype) coloured by verdict; the agreement
tables; then the report's sections for that model, each rendered the same way (title, text, table,
figures), so a new kind of section appears without code here. Then the speed table with its plot, the
conventions (``report.notes``), the machine and the verdict.
"""

import io

from comparisons.html import code, maths, page
from comparisons.html.equations import equations

WITNESS_PAIR = "manual vs numerical"
LABELS = {"manual vs torch": "torch", "manual vs jax": "jax", WITNESS_PAIR: "witness"}
FIGURES_OF = {"numerical witness": "-step-sweep-"}   # a section's plots not named after its slug


def model_of(report, label):
    """The catalogue ``Model`` of a report's model ``label`` (the report's own, else the catalogue's)."""
    for model in getattr(report, "models", ()) or ():
        if model.label == label:
            return model
    from comparisons import catalogue

    return catalogue.get(label.split(" (")[0])


def render(report, standalone=True, extra=()):
    """The report as HTML: a whole page, or (``standalone=False``) a fragment for a notebook.
    ``extra``: more sections (objects with model, title, text, table, ok, failed, slug and optionally figures),
    e.g. training curves, rendered as any section is: in their model's part of the page, else after the models."""
    from comparisons.report import verdict_line

    labels = list(dict.fromkeys(report.agreement["model"]))
    models = [model_of(report, label) for label in labels]
    names = {m.name for m in models}
    claimed = set()
    sections = list(report.sections) + list(extra)
    others = [s for s in sections if s.model not in names]
    more = "<li><a href=\"#other-sections\">More: " + page.esc(", ".join(
        dict.fromkeys(s.title for s in others))) + "</a></li>" if others else ""
    parts = ["<h1>handgrad report</h1>",
             page.verdict_box(verdict_line(report), report.all_agree),
             "<nav><ul>" + "".join(f"<li><a href=\"#model-{page.esc(m.name)}\">{page.esc(m.label)}</a></li>"
                                   for m in models) + more
             + "<li><a href=\"#speed\">Speed</a></li><li><a href=\"#conventions\">Conventions</a></li>"
               "<li><a href=\"#machine\">Machine</a></li></ul></nav>"]
    for model in models:
        parts.append(model_section(report, model, claimed, [s for s in sections if s.model == model.name]))
    if others:
        parts.append("<section id=\"other-sections\"><h2>More</h2>"
                     + "".join(section_html(s, report.figures, claimed) for s in others) + "</section>")
    parts.append(speed_html(report))
    parts.append(f"<section id=\"conventions\"><h2>Data and conventions</h2>{page.notes(notes_of(report))}</section>")
    parts.append(machine_html(report))
    parts.append(page.verdict_box(verdict_line(report), report.all_agree))
    body = "\n".join(parts)
    return page.document("handgrad report", body) if standalone else page.fragment(body)


def notes_of(report):
    from comparisons.report import notes

    return notes(report)


def model_section(report, model, claimed, sections):
    """One model: data, equations, the aligned lines with agreement, the agreement tables, its ``sections``."""
    from comparisons.report import matrices

    rows = report.agreement[report.agreement["model"] == model.label]
    eq = equations(model)
    quantities = list(eq) + [q for q in dict.fromkeys(rows["quantity"]) if q not in eq]
    parts = [f"<section class=\"model\" id=\"model-{page.esc(model.name)}\" data-model=\"{page.esc(model.name)}\">",
             f"<h2>{page.esc(model.label)}</h2><p>{page.esc(model.summary)}</p>"]
    if model.label in report.data:
        parts.append(f"<p><b>Data:</b> {page.esc(report.data[model.label])}.</p>")
    forward = [q for q in eq if not q.startswith("d")]
    backward = [q for q in eq if q.startswith("d")]
    parts.append("<h3>The derivation</h3><div class=\"equations\"><p>Forward and loss:</p>"
                 + "".join(maths.mathml(eq[q]) for q in forward) + "<p>Backward (intermediates per example, "
                 "m &#183; dJ/dZ; parameter gradients dJ/d&#952;):</p>"
                 + "".join(maths.mathml(eq[q]) for q in backward) + "</div>")
    parts.append(aligned_table(model, eq, quantities, rows))
    for dtype, matrix in matrices(rows):
        parts.append(f"<h3>Agreement, {page.esc(dtype)}</h3><p>max relative error per quantity and pair; "
                     f"'agree' unless flagged.</p>" + page.table(matrix.drop(columns=["model"])))
    parts += [section_html(s, report.figures, claimed) for s in sections]
    rest = {n: d for n, d in report.figures.items() if n.startswith(f"{model.name}-") and n not in claimed}
    if rest:
        claimed.update(rest)
        parts.append("<h3>Figures</h3>" + "".join(page.figure(n, d) for n, d in rest.items()))
    parts.append("</section>")
    return "\n".join(parts)


def aligned_table(model, eq, quantities, rows):
    """Quantity, equation, the manual line, the PyTorch and JAX lines, the agreement: one row each."""
    lines = code.lines_of(model, quantities)
    head = ("<tr><th>quantity</th><th>equation</th><th>manual NumPy</th><th>PyTorch</th><th>JAX</th>"
            "<th>agreement (max relative error, manual vs)</th></tr>")
    body = []
    for q in quantities:
        equation = maths.mathml(eq[q], "inline") if q in eq else "-"
        body.append(f"<tr class=\"quantity\" data-quantity=\"{page.esc(q)}\"><th>{page.esc(q)}</th>"
                    f"<td class=\"maths\">{equation}</td>" + page.source_cell(lines[q]["manual"])
                    + page.source_cell(lines[q]["torch"]) + page.source_cell(lines[q]["jax"])
                    + agreement_cell(rows[rows["quantity"] == q]) + "</tr>")
    return ("<h3>Line by line: the derivation beside autograd</h3><p>For a gradient autograd has no line of its "
            "own: the PyTorch and JAX columns show the forward line it differentiates.</p>"
            f"<div class=\"scroll\"><table class=\"aligned\"><thead>{head}</thead><tbody>{''.join(body)}</tbody>"
            f"</table></div>")


def agreement_cell(rows):
    """The quantity's agreement: per dtype, manual against torch, jax and the witness, coloured."""
    rows = rows[rows["pair"].isin(LABELS)]
    if rows.empty:
        return "<td class=\"agreement unmeasured\">not compared (forward values: J and the gradients are)</td>"
    parts = []
    for dtype, group in rows.groupby("dtype", sort=False):
        badges = "".join(page.badge(LABELS[r.pair], "" if r.verdict == "not measured" else f"{r.max_rel:.1e}",
                                    r.verdict) for r in group.itertuples())
        parts.append(f"<div>{page.esc(dtype)}: {badges}</div>")
    worst = "ok" if rows["verdict"].map(page.verdict_class).isin(["ok", "unmeasured"]).all() else "bad"
    return f"<td class=\"agreement {worst}\">{''.join(parts)}</td>"


def section_html(section, figures, claimed):
    """Any report section: its title, text, table and figures (its own, and the report's named after it)."""
    status = " [FAILED]" if section.failed else "" if section.ok else " [DISAGREES]"
    own = dict(getattr(section, "figures", None) or {})
    pattern = FIGURES_OF.get(section.title)
    for name, data in figures.items():
        if name not in claimed and (name.startswith(section.slug) or
                                    (pattern and name.startswith(f"{section.model}{pattern}"))):
            own[name] = data
    claimed.update(own)
    table = section.table
    return (f"<div class=\"section\" data-section=\"{page.esc(section.slug)}\">"
            f"<h3 class=\"{'' if section.ok else 'bad'}\">{page.esc(section.model)}: {page.esc(section.title)}"
            f"{status}</h3>" + (page.table(table, ".4g") if table is not None and len(table.columns) else "")
            + page.notes(section.text) + "".join(page.figure(n, d) for n, d in own.items()) + "</div>")


def speed_html(report):
    if report.speed.empty:
        return "<section id=\"speed\"><h2>Speed</h2><p>Not measured (--no-speed).</p></section>"
    from comparisons.bench import speed_view

    return ("<section id=\"speed\"><h2>Speed: one full-batch forward + backward</h2>"
            + page.table(speed_view(report.speed), "g")
            + "<p>Median and quartiles over the repeats after the warm-up calls; jax.jit's compile time in "
              "<code>compile_s</code>, never in the step time.</p>"
            + page.figure("speed.png", speed_png(report.speed), "median step time per backend (bars: quartiles)")
            + "</section>")


def speed_png(speed):
    """A horizontal bar per (model, dtype, backend): median ms, whiskers from the 25th to 75th percentile."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = speed[speed["status"] == "ok"] if "status" in speed else speed
    labels = [f"{r.model} {r.dtype} {r.backend}" for r in rows.itertuples()]
    fig, ax = plt.subplots(figsize=(8, 0.6 + 0.28 * max(len(labels), 1)))
    y = range(len(labels))
    ax.barh(list(y), rows["median_ms"], xerr=[rows["median_ms"] - rows["p25_ms"], rows["p75_ms"] - rows["median_ms"]],
            color="#54aeff")
    ax.set_yticks(list(y), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("median ms per forward + backward (log scale)")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=90)
    plt.close(fig)
    return out.getvalue()


def machine_html(report):
    """The report's machine block; without speed rows (--no-speed) the machine read now, at every core this
    process may use, and said so."""
    import os

    import pandas as pd

    machine, said = report.machine, ""
    if not machine:
        from comparisons.bench import describe_machine

        machine = describe_machine(len(os.sched_getaffinity(0)))
        said = "<p>No speed rows were measured: the machine and versions as read when this page was written.</p>"
    frame = pd.DataFrame({"what": list(machine), "value": [str(v) for v in machine.values()]})
    return f"<section id=\"machine\"><h2>Machine</h2>{said}{page.table(frame)}</section>"


def training_sections(models, seed=0, progress=False, **options):
    """The training section of each model (``comparisons.train``, ``handgrad train``'s defaults: alpha 0.10,
    500 steps, float64 and float32), as sections ``render`` shows after the models (``report --html --train``):
    the final loss and accuracy per backend, the largest parameter difference per pair, and the curves.
    ``options``: ``comparisons.train.train``'s (steps, alpha, batch, dtype, ...)."""
    from types import SimpleNamespace

    from comparisons.train import train

    out = []
    for model in models:
        t = train(model, seed=seed, progress=progress, **options)
        figures = {f"{model.name}-{name}.png": png for name, png in t.pngs().items()}
        out += [SimpleNamespace(model=model.name, title="training", table=t.table(), text=t.verdict(), ok=t.ok,
                                failed="", slug=f"{model.name}-training", figures=figures),
                SimpleNamespace(model=model.name, title="training: largest parameter difference per pair",
                                table=t.pair_table(), text="", ok=t.ok, failed="", slug=f"{model.name}-training-pairs",
                                figures={})]
    return out
