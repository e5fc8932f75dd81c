"""The HTML views: ``handgrad report --html`` (report.html), ``handgrad verify --html`` (verify.html) and the
notebook views (``_repr_html_``) of the report and of verify's result, one renderer for all three.

- ``equations``:   the derivations' equations in LaTeX, one per quantity, per manual module (and config)
- ``maths``:       LaTeX to MathML (``latex2mathml``): the browser renders it, nothing is fetched
- ``code``:        the line that computes each quantity, found by name with ``ast`` (manual, PyTorch, JAX,
  the person's file)
- ``page``:        the page skeleton, its styles, tables, figures, notes and code cells
- ``report_page``: the report, a section per model; ``verify_page``: the person's code, the wrong line marked
"""


def report_html(report, standalone=True, extra=()):
    """The report (``comparisons.report.Report``) as HTML: a page, or a notebook fragment."""
    from comparisons.html.report_page import render

    return render(report, standalone, extra)


def verify_html(result, standalone=True):
    """verify's result (``comparisons.verify.verification.Verification``) as HTML."""
    from comparisons.html.verify_page import render

    return render(result, standalone)
