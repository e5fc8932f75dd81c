"""The HTML views read with the standard library's parser (no browser): for every catalogue model, its
section, its equations as MathML, its aligned code lines and an agreement cell per quantity; the page
loads nothing from elsewhere; and for a failing ``verify``, the highlighted line is the wrong one.

tests/test_html_browser.py opens the page in headless Chromium where one is installed."""

from html.parser import HTMLParser

import pandas as pd
import pytest

from comparisons import catalogue
from comparisons.agreement import COLUMNS
from comparisons.cli import main
from comparisons.html import report_html, verify_html
from comparisons.html.code import ROOT, split_comment
from comparisons.html.equations import equations
from comparisons.report import Report, agreement_rows
from comparisons.verify import verify
from tests.tutorial_code import TUTORIAL, variant
from tests.user_files import write

VOID = {"meta", "img", "br", "hr", "link", "input", "col", "mprespace", "none"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], []

    def all(self, tag=None, **attrs):
        """Every descendant with ``tag`` (any when None) whose attributes contain ``attrs`` (class: one of)."""
        for child in self.children:
            if (tag is None or child.tag == tag) and all(
                    (v in child.attrs.get("class", "").split()) if k == "cls" else child.attrs.get(k) == v
                    for k, v in attrs.items()):
                yield child
            yield from child.all(tag, **attrs)

    def one(self, tag=None, **attrs):
        found = list(self.all(tag, **attrs))
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def words(self):
        """The visible text under this node (attributes, such as a <math>'s alttext, are not visible)."""
        return "".join(self.text) + "".join(c.words() for c in self.children if c.tag not in ("style", "title"))


class Tree(HTMLParser):
    """A small DOM: enough to ask which elements sit inside which."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = self.at = Node("#document", {})
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_startendtag(self, tag, attrs):
        self.at.children.append(Node(tag, attrs, self.at))

    def handle_endtag(self, tag):
        node = self.at
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.at = node.parent

    def handle_data(self, data):
        self.at.text.append(data)


def small_report(model):
    """A ``Report`` of ``model`` in float64 against PyTorch and JAX: its real agreement rows, no sections."""
    rows, described = agreement_rows(model, "float64")
    return Report(pd.DataFrame(rows, columns=COLUMNS), pd.DataFrame(), {model.label: described}, {}, [], {}, [model])


@pytest.fixture(scope="module", params=list(catalogue.CATALOGUE))
def rendered(request):
    model = catalogue.get(request.param)
    report = small_report(model)
    return model, report, Tree(report_html(report))


def test_the_page_has_the_models_section(rendered):
    model, _, tree = rendered
    section = tree.root.one("section", id=f"model-{model.name}")
    assert section.attrs["data-model"] == model.name
    assert model.label in section.one("h2").words()


def test_every_equation_is_mathml_and_no_latex_is_visible(rendered):
    model, _, tree = rendered
    block = tree.root.one("section", id=f"model-{model.name}").one("div", cls="equations")
    maths = list(block.all("math"))
    assert len(maths) == len(equations(model))
    assert all(m.attrs.get("alttext") for m in maths)
    assert all(list(m.all("mi")) for m in maths)        # converted into MathML, not text in a <math>
    visible = tree.root.words()     # the code's comments may say A_{l-1}; no LaTeX command shows anywhere
    assert not any(latex in visible for latex in ("\\frac", "\\sum", "\\top", "\\odot", "\\lVert"))
    shown = block.words() + "".join(td.words() for td in tree.root.all("td", cls="maths"))
    assert not any(latex in shown for latex in ("\\", "_{", "^{"))


def test_each_quantity_has_its_manual_line_beside_the_twins_and_an_agreement_cell(rendered):
    model, report, tree = rendered
    section = tree.root.one("section", id=f"model-{model.name}")
    rows = {tr.attrs["data-quantity"]: tr for tr in section.all("tr", cls="quantity")}
    compared = list(dict.fromkeys(report.agreement["quantity"]))
    assert set(compared) <= set(rows), f"no row for {set(compared) - set(rows)}"
    for q in compared:
        cells = list(rows[q].all("td"))
        manual, torch, jax, agreement = cells[1], cells[2], cells[3], cells[4]
        path, number = manual.one("span", cls="where").words().rsplit(":", 1)
        line = (ROOT / path).read_text().splitlines()[int(number) - 1].strip()
        assert manual.one("code").words() == split_comment(line)[0]
        assert "agreement" in agreement.attrs["class"].split()
        badges = [b.words() for b in agreement.all("span", cls="badge")]
        assert any(b.startswith("torch ") for b in badges) and any(b.startswith("jax ") for b in badges)
        assert "ok" in agreement.attrs["class"].split()       # the catalogue's derivations agree
        if q.startswith("d"):           # a gradient: the twins show the forward line autograd differentiates
            assert "autograd differentiates" in torch.words() and "autograd differentiates" in jax.words()


@pytest.mark.parametrize("quantity, text", [("dW2", "dW2 = dZ2 @ A1.T / m"), ("dZ1", "dZ1 = dA1 * relu_prime(Z1)"),
                                            ("Z1", "Z1 = W1 @ X + b1"), ("J", "return float(")])
def test_the_seed_networks_lines_are_its_own(quantity, text):
    report = small_report(catalogue.get("seed_net"))
    row = Tree(report_html(report)).root.one("tr", cls="quantity", **{"data-quantity": quantity})
    manual = next(row.all("td", cls="code"))
    assert next(manual.all("code")).words().startswith(text)
    assert manual.one("span", cls="where").words().startswith("manual/seed_net.py:")


def test_the_mlps_hidden_and_output_layers_take_their_own_lines():
    report = small_report(catalogue.get("mlp_deep"))
    tree = Tree(report_html(report)).root
    manual = {q: next(tree.one("tr", cls="quantity", **{"data-quantity": q}).all("code")).words()
              for q in ("dZ3", "dZ2", "dW1")}
    assert manual["dZ3"].startswith('dZ = cache[f"A{c.L}"] - Y')
    assert manual["dZ2"].startswith("dZ = dA * g_prime(")
    assert manual["dW1"].startswith('grads[f"dW{l}"] =')


def test_a_disagreement_is_coloured_as_one():
    report = small_report(catalogue.get("linear_regression"))
    bad = report.agreement.copy()
    bad.loc[bad["quantity"] == "dW", ["max_rel", "verdict"]] = [0.5, "DISAGREE"]
    tree = Tree(report_html(Report(bad, report.speed, report.data, {}, [], {}, report.models))).root
    cell = lambda q: list(tree.one("tr", cls="quantity", **{"data-quantity": q}).all("td"))[4]
    assert "bad" in cell("dW").attrs["class"].split() and "ok" in cell("db").attrs["class"].split()
    verdicts = list(tree.all("p", cls="verdict"))
    assert verdicts and all("bad" in p.attrs["class"].split() and "disagree" in p.words() for p in verdicts)


def test_the_page_loads_nothing_from_elsewhere():
    text = report_html(small_report(catalogue.get("logistic_regression")))
    tree = Tree(text).root
    assert not list(tree.all("script")) and not list(tree.all("link"))
    sources = [n.attrs["src"] for n in tree.all() if "src" in n.attrs]
    links = [n.attrs["href"] for n in tree.all() if "href" in n.attrs]
    assert all(s.startswith("data:") for s in sources)
    assert links and all(h.startswith("#") for h in links)
    assert "@import" not in text and "url(" not in text


def test_the_report_renders_in_a_notebook_with_the_same_renderer():
    report = small_report(catalogue.get("svm"))
    fragment = report._repr_html_()
    assert not fragment.lstrip().startswith("<!DOCTYPE") and "<html" not in fragment
    tree = Tree(fragment).root
    assert tree.one("section", id="model-svm") and list(tree.all("math"))


# --- the whole command ------------------------------------------------------------------------------


@pytest.mark.slow
def test_report_html_joins_the_files_with_its_sections_plots_and_machine(tmp_path, capsys):
    status = main(["report", "--model", "linear_regression", "--no-speed", "--dtype", "float64", "--html",
                   "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "report.html" in out and out.rstrip().splitlines()[-1].startswith("VERDICT")
    tree = Tree((tmp_path / "report.html").read_text()).root
    slugs = {d.attrs["data-section"] for d in tree.all("div", cls="section")}
    assert {"linear_regression-numerical-witness", "linear_regression-hessian",
            "linear_regression-closed-form"} <= slugs
    witness = tree.one("div", **{"data-section": "linear_regression-numerical-witness"})
    assert [i.attrs["src"][:22] for i in witness.all("img")] == ["data:image/png;base64,"]
    badges = [b.words() for b in tree.one("tr", cls="quantity", **{"data-quantity": "dW"}).all("span", cls="badge")]
    assert any(b.startswith("witness ") for b in badges)
    assert "cpu" in tree.one("section", id="machine").words()
    assert "per example" in tree.one("section", id="conventions").words()


def test_train_without_html_is_refused_before_any_work(tmp_path, capsys):
    assert main(["report", "--model", "svm", "--train", "--out", str(tmp_path)]) == 2
    assert "--train adds training curves to report.html; expected --html too" in capsys.readouterr().err
    assert not (tmp_path / "agreement.md").exists()


# --- verify: the person's code, the first wrong line marked -----------------------------------------

WRONG = ("dW1 = 1 / m * dZ1.dot(X.T)", "dW1 = dZ1.dot(X.T)")   # one wrong backward line: the 1/m dropped


def wrong_line_number(source):
    return next(k for k, line in enumerate(source.splitlines(), 1) if line.strip() == WRONG[1])


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    source = variant(*WRONG, source=TUTORIAL)
    path = write(tmp_path_factory.mktemp("verify"), source)
    return source, verify(path, m=16, against=("torch",), cases=("typical",), isolate=False)


def test_verify_html_marks_the_wrong_line_and_its_diagnosis(failing):
    source, result = failing
    tree = Tree(verify_html(result)).root
    wrong = tree.one("tr", cls="wrong")
    assert int(wrong.attrs["data-line"]) == wrong_line_number(source)
    assert wrong.attrs["id"] == "first-wrong"
    assert WRONG[1] in wrong.words() and "the 1/m is missing" in wrong.one("td", cls="diagnosis").words()
    assert "VERDICT: disagrees" in tree.words()


def test_verify_html_aligns_their_lines_with_the_derivation(failing):
    source, result = failing
    tree = Tree(verify_html(result)).root
    row = tree.one("tr", cls="quantity", **{"data-quantity": "dW1"})
    yours, manual = [next(td.all("code")).words() for td in list(row.all("td", cls="code"))[:2]]
    assert (yours, manual) == (WRONG[1], "dW1 = dZ1 @ X.T / m")
    assert "bad" in row.one("td", cls="agreement").attrs["class"].split()
    good = tree.one("tr", cls="quantity", **{"data-quantity": "dW2"})
    assert "ok" in good.one("td", cls="agreement").attrs["class"].split()
    assert list(tree.all("math"))


def test_a_right_file_has_no_wrong_line(tmp_path):
    result = verify(write(tmp_path, TUTORIAL), m=16, against=("torch",), cases=("typical",), isolate=False)
    tree = Tree(result._repr_html_()).root
    assert not list(tree.all("tr", cls="wrong")) and "Nothing is wrong." in tree.words()


@pytest.mark.slow
def test_verify_html_from_the_command_line(tmp_path, capsys):
    source = variant(*WRONG, source=TUTORIAL)
    path = write(tmp_path, source)
    out_dir = tmp_path / "out"
    status = main(["verify", path, "--m", "16", "--against", "torch", "--case", "typical", "--html",
                   "--out", str(out_dir)])
    assert status == 1
    assert "verify.html" in capsys.readouterr().out
    wrong = Tree((out_dir / "verify.html").read_text()).root.one("tr", cls="wrong")
    assert int(wrong.attrs["data-line"]) == wrong_line_number(source)


@pytest.mark.slow
def test_training_joins_its_models_part_of_the_page_with_its_curves():
    from comparisons.html.report_page import training_sections

    model = catalogue.get("linear_regression")
    extra = training_sections([model], steps=20, dtype="float64")
    tree = Tree(report_html(small_report(model), extra=extra)).root
    part = tree.one("section", id="model-linear_regression")
    training = part.one("div", **{"data-section": "linear_regression-training"})
    assert len(list(training.all("img"))) == 2 and "VERDICT" in training.words()
    assert part.one("div", **{"data-section": "linear_regression-training-pairs"}).one("table")


def test_the_speed_table_and_its_plot():
    model = catalogue.get("svm")
    report = small_report(model)
    speed = pd.DataFrame([dict(model="svm", dtype="float64", m=2000, backend=b, median_ms=t, p25_ms=0.9 * t,
                               p75_ms=1.1 * t, compile_s=c, vs_manual=t / 0.5, repeats=3, threads=2, status=s)
                          for b, t, c, s in [("manual NumPy", 0.5, float("nan"), "ok"), ("PyTorch eager", 2.0,
                                             float("nan"), "ok"), ("jax.jit", 1.0, 0.2, "ok")]])
    page = Report(report.agreement, speed, report.data, {"cpu": "test CPU"}, [], {}, report.models)
    section = Tree(report_html(page)).root.one("section", id="speed")
    cells = [td for td in section.all("td") if td.words() == "ok"]
    assert len(cells) == 3 and all("ok" in td.attrs["class"].split() for td in cells)
    image = section.one("img").attrs["src"]
    assert image.startswith("data:image/png;base64,iVBORw0KGgo")       # a PNG's signature, base64


def test_a_section_of_no_model_is_rendered_as_any_section_under_more():
    from comparisons.sections import Section

    section = Section("layers", "layer catalogue", pd.DataFrame({"layer": ["affine"], "verdict": ["DISAGREE"]}),
                      "- one `layer` checked")
    report = Report(pd.DataFrame(columns=COLUMNS), pd.DataFrame(), {}, {"cpu": "test CPU"}, [section], {})
    tree = Tree(report_html(report)).root
    more = tree.one("section", id="other-sections")
    shown = more.one("div", **{"data-section": "layers-layer-catalogue"})
    assert "bad" in shown.one("td", cls="bad").attrs["class"] and shown.one("li").one("code").words() == "layer"
    assert tree.one("a", href="#other-sections").words() == "More: layer catalogue"


@pytest.mark.parametrize("factor, ok", [(3.0, True), (2.0, False)])
def test_black_box_mode_renders_its_scores_plot_and_verdict(factor, ok):
    import numpy as np

    theta = np.array([0.3, -0.2, 0.5])
    result = verify(cost=lambda t: float(np.sum(t ** 3)), grad=lambda t: factor * t ** 2, params=theta)
    tree = Tree(result._repr_html_()).root
    assert len(list(tree.all("table"))) == 2 and tree.one("img").attrs["src"].startswith("data:image/png;base64,")
    verdicts = list(tree.all("p", cls="verdict"))
    assert verdicts and all(("ok" if ok else "bad") in p.attrs["class"].split() for p in verdicts)
