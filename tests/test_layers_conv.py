"""Convolution and pooling layers: naive against im2col, strides larger than the kernel, shapes that do
not divide, a tie in max pooling (a kink), and the planted mistakes of each, every one failed by the
check with the quantity named, beside a right look-alike that passes."""

import dataclasses

import numpy as np
import pytest

import manual.layers.conv as conv
import manual.layers.pooling as pooling
from comparisons.agreement import AGREE, rtol_for
from comparisons.layer_check import check, jax_vjp, manual, torch_vjp, upstream, witness
from comparisons.mistakes.layer_slips import (TIED, avg_dividing_twice_by_a_side, avg_without_dividing,
                                              cropped_at_the_corner, cropped_by_the_padding,
                                              every_element_of_the_window, every_tied_maximum, first_tied_maximum,
                                              flipped, padding_left_in, tied_input, tied_layer, unflipped)
from comparisons.numerical.differences import central_directional, central_partials
from manual.layers import Layer, catalogue

LAYERS = catalogue()


def failing(rows):
    """{(quantity, reference)} of the rows that do not agree."""
    bad = rows[rows["verdict"] != AGREE]
    return set(zip(bad["quantity"], bad["reference"]))


def conv_inputs_7(seed, dtype):
    """x (2, 3, 7, 7), w (4, 3, 3, 3), b (4,): 7 leaves room for strides 1 to 4 with a 3x3 kernel."""
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((2, 3, 7, 7)).astype(dtype),
            "w": rng.standard_normal((4, 3, 3, 3)).astype(dtype),
            "b": rng.standard_normal(4).astype(dtype)}


# --- Naive against im2col -----------------------------------------------------------------------

# (stride, pad) on a 7x7 image with a 3x3 kernel; (4, 0) and (4, 2): the stride is larger than the kernel,
# so some pixels are read by no output and their dx must be exactly 0
STRIDE_PAD = [(1, 0), (1, 1), (2, 0), (2, 1), (3, 1), (4, 0), (4, 2)]


@pytest.mark.parametrize("stride,pad", STRIDE_PAD)
def test_naive_and_im2col_agree_forward_and_backward(stride, pad):
    inputs = conv_inputs_7(stride + 10 * pad, np.float64)
    out_naive, cache_naive = conv.conv_forward_naive(*inputs.values(), stride=stride, pad=pad)
    out_im2col, cache_im2col = conv.conv_forward_im2col(*inputs.values(), stride=stride, pad=pad)
    assert out_naive.shape == (2, 4, 1 + (7 + 2 * pad - 3) // stride, 1 + (7 + 2 * pad - 3) // stride)
    np.testing.assert_allclose(out_im2col, out_naive, rtol=1e-12, atol=1e-12)
    dout = upstream(out_naive, seed=stride)
    for naive, fast, name in zip(conv.conv_backward_naive(dout, cache_naive),
                                 conv.conv_backward_im2col(dout, cache_im2col), ("dx", "dw", "db")):
        assert fast.shape == naive.shape, name
        np.testing.assert_allclose(fast, naive, rtol=1e-12, atol=1e-12, err_msg=name)


def test_a_stride_larger_than_the_kernel_leaves_unread_pixels_without_gradient():
    """Stride 4, kernel 3, no padding on 7x7: rows and columns 3 of each image are read by no window."""
    inputs = conv_inputs_7(0, np.float64)
    for forward, backward in ((conv.conv_forward_naive, conv.conv_backward_naive),
                              (conv.conv_forward_im2col, conv.conv_backward_im2col)):
        out, cache = forward(*inputs.values(), stride=4, pad=0)
        dx, _, _ = backward(upstream(out, 0), cache)
        assert np.all(dx[:, :, 3, :] == 0) and np.all(dx[:, :, :, 3] == 0)
        assert np.all(dx[:, :, :3, :3] != 0)


@pytest.mark.parametrize("functions", [("conv_forward_naive", "conv_backward_naive"),
                                       ("conv_forward_im2col", "conv_backward_im2col")])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_stride_larger_than_the_kernel_agrees_with_autograd_and_the_witness(functions, dtype):
    layer = Layer("conv_stride_4", "conv", conv_inputs_7, ("x", "w", "b"), options={"stride": 4, "pad": 2},
                  functions=functions)
    rows = check(layer, dtype)
    assert set(rows["reference"]) == {"torch", "jax", "numerical"} and not failing(rows), rows.to_string()


@pytest.mark.parametrize("forward", [conv.conv_forward_naive, conv.conv_forward_im2col])
@pytest.mark.parametrize("shape_x,shape_w,stride,pad,message", [
    ((1, 3, 6, 6), (2, 3, 3, 3), 2, 0, "height does not divide"),       # (6 - 3) / 2
    ((1, 3, 5, 6), (2, 3, 3, 3), 2, 1, "width does not divide"),        # (6 + 2 - 3) / 2
    ((1, 3, 2, 2), (2, 3, 5, 5), 1, 1, "larger than the padded input"),
    ((1, 3, 5, 5), (2, 4, 3, 3), 1, 1, "x has 3 channels but w's filters have 4"),
])
def test_shapes_that_do_not_divide_are_refused(forward, shape_x, shape_w, stride, pad, message):
    with pytest.raises(ValueError, match=message):
        forward(np.ones(shape_x), np.ones(shape_w), np.ones(shape_w[0]), stride=stride, pad=pad)


@pytest.mark.parametrize("forward", [pooling.max_pool_forward_naive, pooling.avg_pool_forward])
def test_a_pool_that_does_not_tile_the_input_is_refused(forward):
    with pytest.raises(ValueError, match="height does not divide"):
        forward(np.ones((1, 1, 5, 4)), pool_height=2, pool_width=2, stride=2)   # (5 - 2) / 2


# --- Planted mistakes in the convolution's dx -------------------------------------------------------

@pytest.mark.parametrize("backward,wrong,verdict", [
    (unflipped, True, "DISAGREE"), (flipped, False, None),
    (padding_left_in, True, "SHAPE MISMATCH"), (cropped_at_the_corner, True, "DISAGREE"),
    (cropped_by_the_padding, False, None),
])
def test_the_check_fails_a_wrong_conv_dx_and_passes_its_look_alike(monkeypatch, backward, wrong, verdict):
    monkeypatch.setattr(conv, "conv_backward_naive", backward)
    rows = check(LAYERS["conv_naive"], "float64", against=("torch", "jax"))
    if wrong:
        assert failing(rows) == {("dx", "torch"), ("dx", "jax")}, rows.to_string()
        assert set(rows[rows["quantity"] == "dx"]["verdict"]) == {verdict}
    else:
        assert not failing(rows), rows.to_string()


@pytest.mark.parametrize("backward,wrong", [(unflipped, True), (flipped, False), (cropped_at_the_corner, True)])
def test_the_witness_alone_fails_the_conv_dx_mistakes(monkeypatch, backward, wrong):
    """The same mistakes seen by the numerical witness without the frameworks (dx's shape kept: a wrong
    shape is refused before any difference is taken)."""
    monkeypatch.setattr(conv, "conv_backward_naive", backward)
    rows = check(LAYERS["conv_naive"], "float64", against=("numerical",))
    assert failing(rows) == ({("dx", "numerical")} if wrong else set()), rows.to_string()


# --- Max pooling: planted mistakes, overlapping windows, a tie ---------------------------------------

@pytest.mark.parametrize("backward,wrong", [(every_element_of_the_window, True), (first_tied_maximum, False),
                                            (every_tied_maximum, False)])
def test_the_check_fails_max_pooling_to_every_element(monkeypatch, backward, wrong):
    """On the catalogue's input (no ties) dout to the whole window fails against all three references;
    the mask of the maximum passes, with or without tie-breaking: without a tie the tie mistake hides."""
    monkeypatch.setattr(pooling, "max_pool_backward_naive", backward)
    rows = check(LAYERS["max_pool"], "float64")
    assert failing(rows) == ({("dx", "torch"), ("dx", "jax"), ("dx", "numerical")} if wrong else set()), \
        rows.to_string()


def overlapping_inputs(seed, dtype):
    return {"x": pooling.without_ties(np.random.default_rng(seed), (2, 2, 5, 5), dtype)}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,options", [
    ("max_pool", {"pool_height": 3, "pool_width": 3, "stride": 1}),    # a maximum can win many windows
    ("max_pool", {"pool_height": 2, "pool_width": 2, "stride": 3}),    # stride larger than the pool
    ("avg_pool", {"pool_height": 2, "pool_width": 2, "stride": 1}),
    ("avg_pool", {"pool_height": 2, "pool_width": 5, "stride": 3}),
])
def test_pooling_with_other_windows_agrees(name, options, dtype):
    layer = Layer(name, "pooling", overlapping_inputs, ("x",), options=options,
                  functions=(LAYERS[name].forward_name, LAYERS[name].backward_name))
    rows = check(layer, dtype)
    assert set(rows["reference"]) == {"torch", "jax", "numerical"} and not failing(rows), rows.to_string()


TIE = (0, 1, 2, 2)          # x[0, 1, 2:4, 2:4] is a window of the 2x2, stride-2 pooling
def tie_mask(shape):
    """True on the elements of the tied window, where the references may each choose their own maximum."""
    mask = np.zeros(shape, dtype=bool)
    mask[0, 1, 2:4, 2:4] = True
    return mask


def test_a_tie_is_passed_to_the_first_maximum():
    """The derivation routes a tied window's dout to ONE maximum, the first in row-major order (as np.argmax
    does), so the window's dx still sums to its dout. PyTorch's max_pool2d and JAX's reduce_window choose
    their own maximum at a tie: they are compared only where there is no tie."""
    layer, x = LAYERS["max_pool"], tied_input()
    out, mine, dout = manual(layer, {"x": x})
    dx = mine["dx"]
    assert dx[TIED[0]] == dout[0, 1, 1, 1] and dx[TIED[1]] == 0
    assert np.isclose(dx[tie_mask(x.shape)].sum(), dout[0, 1, 1, 1])
    untied = ~tie_mask(x.shape)
    for ref in (torch_vjp(layer, {"x": x}, dout), jax_vjp(layer, {"x": x}, dout)):
        np.testing.assert_allclose(dx[untied], ref["dx"][untied], rtol=rtol_for("float64"))
        assert np.isclose(ref["dx"][tie_mask(x.shape)].sum(), dout[0, 1, 1, 1])   # one maximum, whichever


def scalar_and_pattern(layer, x, dout):
    """s(params) = sum(out * dout) and the kink pattern: the position of each window's first maximum."""
    def s(p):
        return np.sum(layer.function("manual", "forward")(p["x"], **layer.options)[0] * dout)

    def pattern(p):
        ph, pw, stride = layer.options["pool_height"], layer.options["pool_width"], layer.options["stride"]
        H_out, W_out = dout.shape[2:]
        return tuple(np.argmax(p["x"][:, :, r, c].reshape(*p["x"].shape[:2], -1), axis=2)
                     for _, _, r, c in pooling.windows(H_out, W_out, ph, pw, stride))
    return s, pattern


def test_the_witness_sees_the_tie_as_a_kink():
    """At a tied element the scalar's one-sided difference quotients jump (dout going up, where it becomes
    the only maximum; 0 going down, where the other stays): the witness's central stencil crosses the
    kink at every step it tries, so it marks the element kink-crossed and does not judge it, while the
    untied elements are measured and agree with the derivation."""
    layer, x = LAYERS["max_pool"], tied_input()
    _, mine, dout = manual(layer, {"x": x})
    s, pattern = scalar_and_pattern(layer, x, dout)
    h = 1e-6
    for at in TIED:
        up, down = x.copy(), x.copy()
        up[at] += h
        down[at] -= h
        forward_quotient, backward_quotient = (s({"x": up}) - s({"x": x})) / h, (s({"x": x}) - s({"x": down})) / h
        assert np.isclose(forward_quotient, dout[0, 1, 1, 1], rtol=1e-6) and abs(backward_quotient) < 1e-8
    elements = [("x", i) for i in range(x.size)]
    values, crossed = central_partials(s, {"x": x.copy()}, elements, h, pattern=pattern)
    tied_flat = {np.ravel_multi_index(at, x.shape) for at in TIED}
    assert {int(i) for i in np.flatnonzero(crossed)} == tied_flat
    np.testing.assert_allclose(values[~crossed], mine["dx"].ravel()[~crossed], rtol=1e-6, atol=1e-9)


def tied_direction(x):
    """Both tied elements moved together: they stay tied, so along this direction s is smooth."""
    v = np.zeros(x.shape)
    for at in TIED:
        v[at] = 1.0
    return {"x": v}


@pytest.mark.parametrize("backward,wrong", [(every_tied_maximum, True), (first_tied_maximum, False),
                                            (pooling.max_pool_backward_naive, False)])
def test_the_check_fails_the_gradient_to_every_tied_maximum(monkeypatch, backward, wrong):
    """On the input with a tie: dout to every tied maximum sends 2 dout back from that window. It fails dx
    against PyTorch and JAX (each sends dout to one maximum); apart from the tied window it agrees. The
    judgement that needs no convention: along the tied pair moved together (no kink in that direction) the
    witness's directional quotient is dout, the window's one maximum, and dx . v must match it."""
    layer, x = LAYERS["max_pool"], tied_input()
    monkeypatch.setattr(pooling, "max_pool_backward_naive", backward)
    if wrong:
        rows = check(tied_layer(), "float64", against=("torch", "jax"))
        assert failing(rows) == {("dx", "torch"), ("dx", "jax")}, rows.to_string()
    _, mine, dout = manual(layer, {"x": x})
    untied = ~tie_mask(x.shape)
    for ref in (torch_vjp(layer, {"x": x}, dout), jax_vjp(layer, {"x": x}, dout)):
        np.testing.assert_allclose(mine["dx"][untied], ref["dx"][untied], rtol=rtol_for("float64"))
    s, pattern = scalar_and_pattern(layer, x, dout)
    v = tied_direction(x)
    estimate, crossed = central_directional(s, {"x": x}, v, 1e-6, pattern=pattern)
    assert not crossed and np.isclose(estimate, dout[0, 1, 1, 1], rtol=1e-6)
    analytic = np.sum(mine["dx"] * v["x"])
    assert np.isclose(analytic, estimate, rtol=1e-6) != wrong
    if wrong:
        assert np.isclose(analytic, 2 * estimate)


def test_the_black_box_witness_cannot_judge_a_tie_without_the_pattern():
    """Why the max-pool layer gives the witness its kinks' ``pattern``. The complex step credits dout to
    EVERY tied maximum (NumPy's maximum of complex numbers compares the imaginary parts where the real
    parts tie, so x + i h at either tied element wins its window): the planted mistake's answer. Without
    the pattern (``tied_layer`` has none) the layer check's witness sees it disagree with central
    differences and falls back to them, whose quotient at a tie is the mean of the two one-sided slopes,
    dout / 2, neither maximum's: with no way to see the kink, it fails the right derivation there too."""
    layer, x = LAYERS["max_pool"], tied_input()
    _, _, dout = manual(layer, {"x": x})
    s, _ = scalar_and_pattern(layer, x, dout)
    for at in TIED:
        z = x.astype(complex)
        z[at] += 1e-20j
        assert np.isclose(np.imag(s({"x": z})) / 1e-20, dout[0, 1, 1, 1])
        values, _ = central_partials(s, {"x": x.copy()}, [("x", np.ravel_multi_index(at, x.shape))], 1e-6)
        assert np.isclose(values[0], dout[0, 1, 1, 1] / 2, rtol=1e-6)
    assert tied_layer().pattern is None
    rows = check(tied_layer(), "float64", against=("numerical",))
    assert failing(rows) == {("dx", "numerical")}, rows.to_string()


@pytest.mark.parametrize("backward", [pooling.max_pool_backward_naive, every_tied_maximum])
def test_with_the_pattern_the_witness_counts_the_tie_as_kink_crossed(monkeypatch, backward):
    """With max pooling's ``pattern`` (each window's first maximum, one-hot), passed by the layer check to
    the black-box witness, the two tied elements' stencils change it at every step tried: they are counted
    kink-crossed and left out, the other 94 elements are judged, and the right backward agrees. So does
    the planted mistake, which differs only at the tie: a tie is judged by PyTorch and JAX and by the tied
    direction (above), never by a central difference across it."""
    monkeypatch.setattr(pooling, "max_pool_backward_naive", backward)
    layer, x = dataclasses.replace(tied_layer(), pattern=LAYERS["max_pool"].pattern), tied_input()
    rows = check(layer, "float64", against=("numerical",))
    assert not failing(rows), rows.to_string()
    _, _, dout = manual(layer, {"x": x})
    result = witness(layer, {"x": x}, dout)
    dx = result.table.set_index("quantity").loc["dx"]
    assert (dx["kink_crossed"], dx["measured"], dx["elements"]) == (len(TIED), x.size - len(TIED), x.size)
    assert result.passed and "Kink-crossed elements, counted and not judged: 2" in result.how


def test_the_max_pool_pattern_is_each_windows_first_maximum():
    """One True per window, at np.argmax's first maximum; moving the second tied element up moves it."""
    x, options = tied_input(), LAYERS["max_pool"].options
    where = pooling.max_pool_pattern(x, **options)
    assert where.shape == (2, 3, 2, 2, 4) and (where.sum(axis=4) == 1).all()
    assert where[0, 1, 1, 1].tolist() == [True, False, False, False]          # the tie: its first element
    up = x.copy()
    up[TIED[1]] += 1e-9
    assert pooling.max_pool_pattern(up, **options)[0, 1, 1, 1].tolist() == [False, False, False, True]


# --- Average pooling ---------------------------------------------------------------------------

@pytest.mark.parametrize("backward,wrong", [(avg_without_dividing, True), (avg_dividing_twice_by_a_side, False)])
def test_the_check_fails_average_pooling_without_dividing(monkeypatch, backward, wrong):
    monkeypatch.setattr(pooling, "avg_pool_backward", backward)
    rows = check(LAYERS["avg_pool"], "float64")
    assert failing(rows) == ({("dx", "torch"), ("dx", "jax"), ("dx", "numerical")} if wrong else set()), \
        rows.to_string()
