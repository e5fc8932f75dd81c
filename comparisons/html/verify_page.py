"""``handgrad verify mine.py --html``: the person's own code as a page, rendered as the report renders the
derivation: every quantity's equation, their line beside the catalogue's manual line and the PyTorch and
JAX lines, its agreement on the first batch; then their whole file with the first wrong line marked and
its diagnosis beside it; then verify's tables, notes and VERDICT.

The first wrong line is the line the diagnosis names (a NaN or inf traced to ``mine.py:16``), else the
line that assigns the first wrong quantity in their file (``dW1 = dZ1.dot(X.T)``), found with ``ast``
as the report finds the manual lines (``comparisons.html.code``); for a function that failed, its ``def``.
Code given as a function or a notebook has no one file to list: its lines are left out, the rest is shown.
"""

import ast
import importlib.util
import re
from pathlib import Path

from comparisons.html import code, maths, page
from comparisons.html.equations import equations


def their_file(origin):
    """The person's source file from verify's ``origin`` (a path, ``path:function`` or a module), or None."""
    from comparisons.verify.load import split_target

    path, _ = split_target(str(origin))
    if Path(path).is_file() and path.endswith(".py"):
        return Path(path)
    try:
        spec = importlib.util.find_spec(path)
    except (ImportError, ValueError, AttributeError):   # a function's origin, not a module's name
        return None
    found = Path(spec.origin) if spec and spec.origin and spec.origin.endswith(".py") else None
    return found if found and found.is_file() else None


def wrong_line(result, path, quantities):
    """The line number of the first wrong quantity in ``path``, or None (nothing wrong, or not found)."""
    first = result.first_wrong
    if first is None or path is None:
        return None
    named = re.search(rf"{re.escape(path.name)}:(\d+)", str(first["diagnosis"]))
    if named:
        return int(named.group(1))
    if first["kind"] == "call":     # a function that failed: its definition
        tree = ast.parse(path.read_text())
        return next((n.lineno for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
                     and n.name == first["quantity"]), None)
    line = code.find([path], first["quantity"], quantities)
    return line.number if line else None


def model_of(result):
    from comparisons import catalogue

    return catalogue.get(str(result.model).split(" (")[0])


def render(result, standalone=True):
    """verify's ``Verification`` as HTML: a page, or (``standalone=False``) a notebook fragment. Black-box
    mode's ``GradientCheck`` (no code to align) is its own table and verdict, on the same page."""
    if not hasattr(result, "outcome"):
        body = black_box(result)
        return page.document("handgrad verify", body) if standalone else page.fragment(body)
    path = their_file(result.outcome.origin)
    first_case = result.cases[0].name if result.cases else None
    batch = result.table[result.table["case"] == first_case] if first_case else result.table.iloc[:0]
    quantities = list(dict.fromkeys(batch["quantity"]))
    wrong = wrong_line(result, path, quantities)
    parts = [f"<h1>handgrad verify: {page.esc(result.outcome.origin)}</h1>",
             page.verdict_box(result.verdict(), result.passed)]
    try:
        model = model_of(result)
    except ValueError:
        model = None
    if model is not None:
        parts.append(aligned(result, model, path, quantities, first_case))
    if path is not None:
        parts.append(listing(result, path, wrong, quantities, first_case))
    parts.append("<h2>Every batch</h2>" + page.table(result.shown()))
    parts.append(f"<h2>Notes</h2>{page.notes(result.notes())}")
    parts.append(page.verdict_box(result.verdict(), result.passed))
    body = "\n".join(parts)
    return page.document(f"handgrad verify: {result.outcome.origin}", body) if standalone else page.fragment(body)


def agreement(result, case, quantity):
    """The quantity's badges on ``case``: max_rel against each reference, coloured by that comparison."""
    rows = result.rows[(result.rows["case"] == case) & (result.rows["quantity"] == quantity)]
    if rows.empty:
        return "<td class=\"agreement unmeasured\">not compared</td>"
    badges = "".join(page.badge(r.reference, "" if r.max_rel != r.max_rel else f"{r.max_rel:.1e}", r.verdict)
                     for r in rows.itertuples())
    ok = rows["verdict"].map(page.verdict_class).isin(["ok", "unmeasured"]).all()
    return f"<td class=\"agreement {'ok' if ok else 'bad'}\">{badges}</td>"


def aligned(result, model, path, quantities, case):
    """Quantity, equation, their line, the manual derivation's, PyTorch's and JAX's, the agreement."""
    eq = equations(model)
    shown = [q for q in quantities if q in eq] + [q for q in quantities if q not in eq]
    ours = code.lines_of(model, [q for q in shown if q in eq] or list(eq))
    head = ("<tr><th>quantity</th><th>equation</th><th>your line</th><th>the derivation (manual NumPy)</th>"
            "<th>PyTorch</th><th>JAX</th><th>agreement (" + page.esc(case) + " batch)</th></tr>")
    rows = []
    for q in shown:
        yours = code.find([path], q, quantities) if path is not None else None
        mine = ours.get(q, {})
        rows.append(f"<tr class=\"quantity\" data-quantity=\"{page.esc(q)}\"><th>{page.esc(q)}</th>"
                    f"<td class=\"maths\">{maths.mathml(eq[q], 'inline') if q in eq else '-'}</td>"
                    + page.source_cell(yours) + page.source_cell(mine.get("manual"))
                    + page.source_cell(mine.get("torch")) + page.source_cell(mine.get("jax"))
                    + agreement(result, case, q) + "</tr>")
    return (f"<h2>Your code beside the derivation ({page.esc(result.model)})</h2>"
            f"<div class=\"scroll\"><table class=\"aligned\"><thead>{head}</thead><tbody>{''.join(rows)}</tbody>"
            f"</table></div>")


def listing(result, path, wrong, quantities, case):
    """Their whole file, numbered; each quantity's line with its verdict, the first wrong line marked and
    its diagnosis beside it."""
    lines = path.read_text().splitlines()
    verdicts = {}
    batch = result.table[result.table["case"] == case]
    for r in batch.itertuples():
        found = code.find([path], r.quantity, quantities)
        if found:
            verdicts.setdefault(found.number, []).append((r.quantity, r.verdict))
    first = result.first_wrong
    rows = []
    for number, text in enumerate(lines, 1):
        marks = "".join(page.badge(q, "", v) for q, v in verdicts.get(number, []))
        is_wrong = number == wrong
        beside = (f"<td class=\"diagnosis\">first wrong: {page.esc(first['quantity'])} on the "
                  f"{page.esc(first['case'])} batch ({page.esc(first['verdict'])}): {page.esc(first['diagnosis'])}</td>"
                  if is_wrong else f"<td>{marks}</td>")
        marked = ' class="wrong" id="first-wrong"' if is_wrong else ""
        rows.append(f"<tr{marked} data-line=\"{number}\">"
                    f"<td class=\"lineno\">{number}</td><td class=\"code\">{page.esc(text)}</td>{beside}</tr>")
    where = (f" The first wrong line is line {wrong}." if wrong else
             " Nothing is wrong." if first is None else " The first wrong quantity has no line of its own here.")
    return (f"<h2>Your file: {page.esc(path.name)}</h2><p>Each quantity's line carries its verdict on the "
            f"{page.esc(case)} batch.{where}</p><div class=\"scroll\"><table class=\"source\"><tbody>{''.join(rows)}"
            f"</tbody></table></div>")


def black_box(result):
    """Black-box mode (``GradientCheck``): how it was checked, every convention's score, the random
    directions, the step sweep plot and the verdict."""
    said = "".join(f"<li>{page.esc(line)}</li>" for line in
                   ([f"Checked: {result.origin}."] if result.origin else []) + [f"Read: {n}." for n in result.notes])
    plots = "".join(page.figure(name, data) for name, data in result.files().items() if name.endswith(".png"))
    return ("<h1>handgrad verify: your gradient against the numerical witness</h1>"
            + page.verdict_box(result.verdict, result.passed) + (f"<ul>{said}</ul>" if said else "")
            + f"<p>{page.esc(result.how)}</p><h2>Every convention's score</h2>" + page.table(result.table, ".1e")
            + "<h2>Random unit directions, dJ/d&#952; &#183; v</h2>" + page.table(result.directions, ".6g")
            + plots + page.verdict_box(result.verdict, result.passed))
