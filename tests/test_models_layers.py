"""``handgrad models`` lists the layer catalogue too: every layer with its module, gradients and summary,
fitted to the terminal as the models' listing is."""

import pytest

from comparisons.cli import main
from manual.layers import catalogue


@pytest.mark.parametrize("columns", [80, 200])
def test_models_lists_every_layer_within_the_terminal(capsys, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["models"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert max(map(len, lines)) <= columns
    listing = text[text.index("layers ("):]
    layers = catalogue()
    assert f"layers ({len(layers)};" in listing
    starts = {line.split()[0]: line for line in listing.splitlines()[2:] if line and not line.startswith(" ")}
    assert set(starts) == set(layers)
    for name, layer in layers.items():
        assert starts[name].split()[1] == layer.module
        grads = ", ".join("d" + g for g in layer.grads)
        assert f"[{grads}" in " ".join(listing.split()) and layer.summary.split()[0] in listing


def test_the_models_own_listing_comes_first(capsys):
    assert main(["models"]) == 0
    text = capsys.readouterr().out
    assert text.index("seed_net") < text.index("layers (") < text.index("conv_naive")
