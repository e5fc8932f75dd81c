"""report.html in a real browser, headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it where it
is missing and it can): what a person would see. The page loads with no console message, its maths is laid
out as mathematics (each fraction's numerator above its denominator, no LaTeX in the visible text), its
tables and images are there and loaded, and a screenshot of its first screen is a non-blank PNG.

Chromium's own log (``--enable-logging=stderr --v=0``) prints every console message as ``INFO:CONSOLE``
with its text, whatever its level: the page has no script of its own, so any such line is a finding (a
test below proves a console error does show there with this Chromium). What needs the laid-out page is
measured by a small script added to a copy of the page, whose findings ``--dump-dom`` returns.
Skipped, with the reason, where no Chromium is installed."""

import json
import re
import shutil
import subprocess

import pytest

from comparisons.cli import main

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
BROWSER = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(BROWSER is None, reason=f"no headless browser installed ({', '.join(BROWSERS)}): "
                                                         f"apt-get install chromium (.ci/run does where it can)")]

CONSOLE = re.compile(r":CONSOLE(?::\d+|\(\d+\))\] (.*)")

# Measured in the laid-out page, written where --dump-dom shows it: <pre id="handgrad-check">{json}</pre>.
CHECK = """<script>
window.addEventListener("load", () => {
  const fractions = [...document.querySelectorAll("mfrac")];
  const laidOut = fractions.filter(f => f.children.length === 2 &&
      f.children[0].getBoundingClientRect().bottom <= f.children[1].getBoundingClientRect().top + 0.5 &&
      f.children[0].getBoundingClientRect().height > 0);
  const images = [...document.images];
  const found = {maths: document.querySelectorAll("math").length, fractions: fractions.length,
                 laidOut: laidOut.length, tables: document.querySelectorAll("table").length,
                 images: images.length, loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
                 text: document.body.innerText};
  const pre = document.createElement("pre"); pre.id = "handgrad-check";
  pre.textContent = JSON.stringify(found); document.body.appendChild(pre);
});
</script>"""


def chromium(page, profile, *args):
    """(stdout, the console messages) of headless Chromium on the file ``page``."""
    done = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args,
                           page.as_uri()], capture_output=True, text=True, timeout=120)
    return done.stdout, [m.group(1) for m in map(CONSOLE.search, done.stderr.splitlines()) if m]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    status = main(["report", "--model", "dlai_gradcheck", "--no-speed", "--dtype", "float64", "--html",
                   "--out", str(out)])
    assert status == 0
    return out / "report.html"


@pytest.fixture(scope="module")
def measured(page, tmp_path_factory):
    """What the check script found in the laid-out page, and the console messages of that load."""
    checked = page.with_name("checked.html")
    checked.write_text(page.read_text().replace("</body>", CHECK + "\n</body>"))
    dom, console = chromium(checked, tmp_path_factory.mktemp("profile"), "--dump-dom")
    found = re.search(r'<pre id="handgrad-check">(.*?)</pre>', dom, re.S)
    assert found, "the check script did not run: " + dom[-500:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
                      .replace("&amp;", "&")), console


def test_the_page_loads_with_no_console_message_and_a_non_blank_first_screen(page, tmp_path):
    from matplotlib.image import imread

    shot = tmp_path / "first-screen.png"
    _, console = chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2000")
    assert console == []
    pixels = imread(shot)
    assert pixels.shape[:2] == (2000, 1280)
    grey = pixels[..., :3].mean(axis=2)
    assert grey.std() > 0.05                      # text, tables and colours, not one flat colour
    assert (grey < 0.5).mean() > 0.01             # dark ink on at least 1% of the pixels


def test_the_maths_is_laid_out_as_mathematics(measured):
    found, console = measured
    assert console == []
    assert found["maths"] >= 10 and found["fractions"] > 0
    assert found["laidOut"] == found["fractions"]          # every numerator above its denominator
    assert not any(latex in found["text"] for latex in ("\\frac", "\\sum", "\\lVert", "\\top"))


def test_the_tables_and_images_are_there_and_loaded(measured):
    found, _ = measured
    assert found["tables"] >= 4                  # aligned lines, agreement, the witness's scores, machine
    assert found["images"] >= 1 and found["loaded"] == found["images"]
    assert "Line by line" in found["text"] and "VERDICT: every derivation agrees." in found["text"]


def test_a_console_error_does_show_in_chromiums_log(tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><body><script>console.error('planted'); undefinedName();</script>"
                      "</body></html>")
    _, console = chromium(broken, tmp_path / "profile", "--dump-dom")
    assert any("planted" in m for m in console) and any("undefinedName" in m for m in console)
