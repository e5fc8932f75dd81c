"""The model contract as code: every catalogue model provides it, and a model that breaks it is refused
when the catalogue loads, with every problem named."""

import types

import pytest

from comparisons import catalogue
from comparisons.catalogue import CATALOGUE, Model
from comparisons.model_contract import ContractError, check_manual, check_model, check_reference
from manual import seed_net


def contract_module(**overrides):
    """A stand-in manual module with the whole contract (the seed net's), changed by ``overrides``;
    ``name=None`` removes ``name``."""
    attrs = {name: getattr(seed_net, name) for name in
             ("param_shapes", "init_params", "check_inputs", "forward", "loss", "backward", "INTERMEDIATES", "KINKS")}
    attrs.update(overrides)
    return types.SimpleNamespace(**{k: v for k, v in attrs.items() if v is not None})


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_every_catalogue_model_keeps_the_contract(name):
    model = CATALOGUE[name]
    assert check_model(model) is model
    manual = model.manual
    assert isinstance(manual.KINKS, tuple) and isinstance(manual.INTERMEDIATES, tuple)
    for source in ("torch", "jax"):
        check_reference(name, source, model.source(source))


def test_the_contract_itself_passes():
    check_manual("stand-in", contract_module())


def test_a_model_without_kinks_is_an_error_not_smooth():
    with pytest.raises(ContractError, match=r"KINKS is None; expected a tuple of names \(\(\) for a smooth model\)"):
        check_manual("stand-in", contract_module(KINKS=None))


@pytest.mark.parametrize("overrides, problem", [
    (dict(backward=None), "no function backward"),
    (dict(forward="not callable"), "no function forward"),
    (dict(INTERMEDIATES=["dZ2"]), "INTERMEDIATES is ['dZ2']; expected a tuple"),
    (dict(INTERMEDIATES=("Z2",)), "intermediate 'Z2' is not a d<name>"),
    (dict(KINKS=("Z1", 3)), "KINKS is ('Z1', 3); expected a tuple of names"),
])
def test_each_broken_part_is_named(overrides, problem):
    with pytest.raises(ContractError) as caught:
        check_manual("stand-in", contract_module(**overrides))
    assert problem in str(caught.value) and "stand-in" in str(caught.value)


def test_every_problem_at_once():
    with pytest.raises(ContractError) as caught:
        check_manual("stand-in", contract_module(loss=None, backward=None, KINKS=None))
    assert all(p in str(caught.value) for p in ("no function loss", "no function backward", "KINKS is None"))


def test_a_report_section_must_find_what_it_needs():
    with pytest.raises(ContractError, match="section 'hessian' needs 'hessian'"):
        check_manual("stand-in", contract_module(), extras=("hessian",))
    with pytest.raises(ContractError, match="unknown report section 'spectra'"):
        check_manual("stand-in", contract_module(), extras=("spectra",))


def test_a_model_missing_from_a_tree_is_refused():
    ghost = Model("ghost", "no such module", "no_such_model", catalogue.CATALOGUE["seed_net"].data, speed_m=10)
    with pytest.raises(ContractError, match=r"no module manual\.no_such_model"):
        check_model(ghost)


def test_a_reference_without_a_loss_is_refused():
    with pytest.raises(ContractError, match=r"torch reference has no loss\(params, X, Y, tap\)"):
        check_reference("stand-in", "torch", types.SimpleNamespace())


def test_a_configured_model_needs_configure(monkeypatch):
    entry = Model("plain", "seed net with a config it cannot take", "seed_net", catalogue.CATALOGUE["seed_net"].data,
                  speed_m=10, config=dict(lam=1.0))
    with pytest.raises(ContractError, match="has a config, but manual/seed_net.py has no configure"):
        check_model(entry)
