"""The page: its skeleton and styles, and the pieces every HTML view is made of (tables, figures, notes,
aligned code, verdict colours), shared by the report (``report_page``) and ``verify`` (``verify_page``).

Self-contained by construction: the styles are inline, figures are ``data:`` PNG URIs, the maths is
MathML the browser renders itself. Nothing is loaded from the network: no script, font or stylesheet
from elsewhere (``tests/test_html_report.py`` checks that no ``src`` or ``href`` leaves the page).
"""

import base64
import html
import math
import re

from comparisons.agreement import NOT_MEASURED, PASSING

CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1500px; padding: 1em 2em; color: #1f2328; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { border-bottom: 1px solid #d0d7de; padding-top: .6em; }
h3 { margin-bottom: .3em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 2px 6px; vertical-align: top; text-align: left; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre, td.code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
td.code { white-space: pre-wrap; max-width: 27em; } td.code code { display: block; }
.comment { display: block; color: #57606a; font-size: 11.5px; white-space: normal; }
.where { display: block; }
.ok { background: #dafbe1; color: #116329; } .bad { background: #ffebe9; color: #a40e26; font-weight: 600; }
.unmeasured { background: #f6f8fa; color: #57606a; }
.verdict { padding: .5em .8em; border-radius: 6px; margin: .6em 0; }
.equations math { display: block; margin: .25em 0; }
td.maths math { font-size: 1.05em; }
.via { color: #57606a; font-size: 11.5px; display: block; white-space: normal; }
.where { color: #57606a; font-size: 11px; }
figure { display: inline-block; margin: .5em 1em .5em 0; } figure img { max-width: 640px; border: 1px solid #d0d7de; }
figcaption { font-size: 12px; color: #57606a; }
nav ul { columns: 3; } .source td { border: none; padding: 0 6px; }
.source tr.wrong td { background: #ffebe9; } .source td.diagnosis { color: #a40e26; font-weight: 600; white-space: normal; }
.source td.code { max-width: none; white-space: pre; }
.source td.lineno { color: #8c959f; text-align: right; user-select: none; }
.badge { font-size: 11px; padding: 0 4px; border-radius: 4px; margin: 1px 2px; white-space: nowrap; display: inline-block; }
td.agreement { min-width: 13em; } .scroll { overflow-x: auto; max-width: 100%; }
"""


def document(title, body):
    """A whole page: ``body`` (HTML) under ``title``, with the styles inline."""
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def fragment(body):
    """``body`` with the styles, for a notebook cell (``_repr_html_``): no <html> skeleton."""
    return f"<div class=\"handgrad\"><style>{CSS}</style>{body}</div>"


def esc(text):
    return html.escape(str(text), quote=True)


def verdict_class(verdict):
    """The CSS class of a verdict: agree (or another passing one) green, not measured grey, the rest red."""
    verdict = str(verdict)
    if verdict == NOT_MEASURED or verdict in ("-", "", "nan") or verdict.startswith(("unavailable", "skipped")):
        return "unmeasured"
    return "ok" if verdict in PASSING or verdict in ("note", "True", "pass", "ok") else "bad"


def inline(text):
    """Text with `code` spans as <code>, the rest escaped."""
    parts = re.split(r"`([^`]*)`", str(text))
    return "".join(f"<code>{esc(p)}</code>" if k % 2 else esc(p) for k, p in enumerate(parts))


def notes(text):
    """Lines starting "- " as a list, indented continuation lines joined to their item, other lines as
    paragraphs; `code` spans kept."""
    items, paragraphs = [], []
    for line in str(text).splitlines():
        if line.startswith("- "):
            items.append(line[2:])
        elif line.startswith("  ") and items:
            items[-1] += " " + line.strip()
        elif line.strip():
            paragraphs.append(line)
    out = "".join(f"<p>{inline(p)}</p>" for p in paragraphs)
    return out + ("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>" if items else "")


def cell(value, floatfmt=".3g"):
    """(text, class) of one table cell: floats formatted, NaN as "-"."""
    if isinstance(value, float):
        return ("-" if math.isnan(value) else format(value, floatfmt)), "num"
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return str(value), "num"
    return ("-" if value is None else str(value)), ""


VERDICT_COLUMNS = ("verdict", "status", "ok")


def table(frame, floatfmt=".3g", caption=""):
    """A DataFrame as an HTML table; verdict-like columns coloured by their value."""
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, values):
            text, kind = cell(value.item() if hasattr(value, "item") else value, floatfmt)
            classes = " ".join(filter(None, [kind, verdict_class(text) if column in VERDICT_COLUMNS
                                             or column.endswith("_pass") else ""]))
            cells.append(f"<td class=\"{classes}\">{esc(text)}</td>" if classes else f"<td>{esc(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f"<div class=\"scroll\"><table class=\"data\">{caption}<thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def figure(name, data, caption=None):
    """A PNG (bytes) or SVG (text) inline: a data: URI, never a file beside the page."""
    if isinstance(data, str) and data.lstrip().startswith("<svg"):
        return f"<figure>{data}<figcaption>{esc(caption or name)}</figcaption></figure>"
    mime = "image/svg+xml" if name.endswith(".svg") else "image/png"
    encoded = base64.b64encode(data if isinstance(data, bytes) else str(data).encode()).decode("ascii")
    return (f"<figure><img alt=\"{esc(caption or name)}\" src=\"data:{mime};base64,{encoded}\">"
            f"<figcaption>{esc(caption or name)}</figcaption></figure>")


def verdict_box(line, ok):
    """The VERDICT line, green or red (the colour also inline: a notebook may strip <style>)."""
    colour = "#1a7f37" if ok else "#cf222e"
    return f"<p class=\"verdict {'ok' if ok else 'bad'}\" style=\"color:{colour}\"><b>{esc(line)}</b></p>"


def source_cell(line, differentiates=False):
    """A code cell: the line with its file:number; for a twin's line that autograd differentiates, say so."""
    from comparisons.html.code import split_comment

    if line is None:
        return "<td class=\"code unmeasured\">-</td>"
    text, comment = split_comment(line.text)
    comment = f"<span class=\"comment\"># {esc(comment)}</span>" if comment else ""
    note = (f"<span class=\"via\">no line of its own: autograd differentiates this line, which defines "
            f"{esc(line.via)}</span>" if line.via else "")
    return (f"<td class=\"code\" data-line=\"{line.number}\"><code>{esc(text)}</code>{comment}"
            f"<span class=\"where\">{esc(line.path)}:{line.number}</span>{note}</td>")


def badge(label, value, verdict):
    """A small coloured "torch 1.2e-16" for an agreement cell."""
    text = f"{label} {value}" if value else label
    return f"<span class=\"badge {verdict_class(verdict)}\" title=\"{esc(verdict)}\">{esc(text)}</span>"
