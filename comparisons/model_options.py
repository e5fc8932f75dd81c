"""Model options: ``--lam``, ``--penalty``, ``--sizes``, ``--activations``, ``--output`` and ``--loss`` over
a catalogue model's config, merged and checked in one place (``configured``) for ``verify``, ``check``,
``report`` and the Python API.

A catalogue entry's ``config`` is the keyword arguments of its modules' ``configure`` (manual/mlp.py takes
sizes, activations, output, loss, lam and penalty; softmax_regression lam and penalty; course_net n_x,
n_h, n_y and lam). Each option sets one of them:

    --lam 0.05            lam           the L2 strength, read as lambda or reg as the penalty writes it
    --penalty reg         penalty       lambda/2m, reg, half_reg or none (manual/regularisation.py)
    --sizes 64,32,10      sizes         (n_0, ..., n_L); course_net's (n_x, n_h, n_y)
    --activations relu    activations   one per hidden layer, or one for all of them
    --output sigmoid      output        softmax, sigmoid or identity; its own loss unless --loss says
    --loss mse            loss          cross_entropy, binary_cross_entropy or mse

A model takes an option when its ``configure`` takes that keyword; it refuses any other, naming the
ones it takes (seed_net, with no config, takes none). The values are checked by ``configure`` itself,
and the sizes against the model's built-in data first: n_0 must be its features, n_L its outputs.
Each refusal is one ``BadInput`` (exit status 2) that names the model and what it expected.
"""

import importlib
import inspect
from dataclasses import replace

import numpy as np

from comparisons import BadInput, catalogue
from comparisons.model_contract import module_name

OPTIONS = ("lam", "penalty", "sizes", "activations", "output", "loss")
COURSE_SIZES = ("n_x", "n_h", "n_y")    # course_net's sizes, one hidden layer
SPELLED = {"lam": "--lam X", "penalty": "--penalty P", "sizes": "--sizes N0,...,NL",
           "activations": "--activations A,...", "output": "--output O", "loss": "--loss L"}


# --- What a model takes ------------------------------------------------------------------------------


def defaults(model):
    """{keyword: default} of the model's ``configure`` (the manual tree's); {} for a model without config."""
    if not model.config:
        return {}
    configure = importlib.import_module(module_name("manual", model.module)).configure
    return {k: p.default for k, p in inspect.signature(configure).parameters.items()}


def takes(model):
    """The options ``model`` takes, in ``OPTIONS`` order: the keywords of its ``configure``, and --sizes
    for course_net's n_x, n_h, n_y."""
    keywords = defaults(model)
    return tuple(o for o in OPTIONS if o in keywords or (o == "sizes" and set(COURSE_SIZES) <= set(keywords)))


def refusal(model, option):
    """The message for ``option``, which ``model`` does not take."""
    configurable = [m.name for m in catalogue.CATALOGUE.values() if m.config]
    accepted = takes(model)
    if not accepted:
        return (f"--{option}: model {model.name} takes no model options (its configuration is fixed: "
                f"{model.summary}); the models that do are {', '.join(configurable)}")
    sizes = "--sizes N_X,N_H,N_Y" if set(COURSE_SIZES) <= set(defaults(model)) else SPELLED["sizes"]
    spelled = [sizes if o == "sizes" else SPELLED[o] for o in accepted]
    return f"--{option}: model {model.name} does not take it; it takes {', '.join(spelled)}"


# --- Words ---------------------------------------------------------------------------------------------


def shown(value):
    """A config value as the options write it: sizes 64,32,10, activations relu,tanh, lam 0.05."""
    if isinstance(value, (tuple, list)):
        return ",".join(map(str, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def said(config):
    """``lam=0.05, penalty=reg``; sizes and activations as ``Config.describe`` writes them (64-32-10, relu/tanh)."""
    def one(value):
        if isinstance(value, (tuple, list)):
            return ("/" if any(isinstance(v, str) for v in value) else "-").join(map(str, value))
        return shown(value)

    return ", ".join(f"{k}={one(v)}" for k, v in config.items())


def changed(model):
    """{key: value} of ``model``'s config where it differs from its catalogue entry's (that entry's
    config over its ``configure``'s defaults): what options (or a form's code) changed."""
    entry = catalogue.CATALOGUE.get(model.name)
    if entry is None or model.config == entry.config:
        return {}
    base = {**defaults(entry), **entry.config}
    return {k: v for k, v in model.config.items() if k not in base or plain(v) != plain(base[k])}


def plain(value):
    """Tuples and lists alike, numbers as floats, for comparing configs."""
    if isinstance(value, (tuple, list)):
        return tuple(plain(v) for v in value)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


# --- Merging and checking ------------------------------------------------------------------------------


def configured(model, **options):
    """A new catalogue ``Model`` (``dataclasses.replace``): ``model`` (a name or a Model) with ``options``
    (keywords of ``OPTIONS``; None: not given) over its config, checked as the module says; ``model``
    itself when no option is given. ``BadInput`` names what does not fit."""
    if isinstance(model, str):
        try:
            model = catalogue.get(model)
        except ValueError as e:
            raise BadInput(str(e)) from None
    unknown = [k for k in options if k not in OPTIONS]
    if unknown:
        raise TypeError(f"configured() got an unknown option {unknown[0]!r}; expected {', '.join(OPTIONS)}")
    given = {k: v for k, v in options.items() if v is not None}
    if not given:
        return model
    for option in given:
        if option not in takes(model):
            raise BadInput(refusal(model, option))
    config = merged(model, given)
    if config.get("lam") and config.get("penalty") == "none" and "penalty" not in given:
        raise BadInput(f"--lam {config['lam']:g}: model {model.name} has no regularisation (penalty none), so "
                       f"lambda would change nothing; expected --penalty lambda/2m (or reg, half_reg) with it")
    if "sizes" in given:
        check_data(model, config, given["sizes"])
    new = replace(model, config=config)
    try:
        new.source("manual")        # configure(**config), which checks every value
    except (ValueError, TypeError) as e:
        raise BadInput(f"model {model.name} with {said(given)}: {str(e).splitlines()[0]}") from None
    return new


def merged(model, given):
    """The config: ``given`` over the model's own, with what follows from it. course_net's --sizes are
    its n_x, n_h, n_y; a new --output takes its own loss unless --loss is given; one activation names
    every hidden layer's; new --sizes keep the model's activation when it has one for all layers."""
    config, given = dict(model.config), dict(given)
    own = {**defaults(model), **config}
    if "sizes" in given:
        given["sizes"] = tuple(given["sizes"])
        if "sizes" not in own:
            sizes = given.pop("sizes")
            if len(sizes) != len(COURSE_SIZES):
                raise BadInput(f"--sizes {shown(sizes)}: model {model.name} has one hidden layer; expected "
                               f"3 sizes N_X,N_H,N_Y (its own: {shown([own[k] for k in COURSE_SIZES])})")
            given.update(zip(COURSE_SIZES, sizes))
    if "output" in given and "loss" not in given:
        config.pop("loss", None)       # configure pairs the output with its own loss
    if "activations" in own and ("activations" in given or "sizes" in given):
        config["activations"] = hidden_activations(model, own, given)
    config.update({k: v for k, v in given.items() if k != "activations"})
    return config


def hidden_activations(model, own, given):
    """One activation per hidden layer of the sizes in effect: the given ones (one name: every
    layer's), or the model's own when they fit (one name shared by all layers: it fits any depth)."""
    sizes = given.get("sizes", own.get("sizes"))
    hidden = len(sizes) - 2
    activations = given.get("activations", own.get("activations"))
    activations = (activations,) if isinstance(activations, str) else tuple(activations)
    if len(activations) == 1 and hidden >= 1:
        return activations * hidden
    if "activations" not in given and len(activations) != hidden:
        raise BadInput(f"--sizes {shown(sizes)} has {hidden} hidden layer(s), but model {model.name}'s "
                       f"activations are {shown(activations)}, one per hidden layer; expected --activations "
                       f"too (one name for every hidden layer, or one per hidden layer)")
    return activations


def check_data(model, config, sizes):
    """``BadInput`` unless n_0 and n_L of the sizes in ``config`` are the features and outputs of the
    model's built-in data (the batches every command checks on)."""
    n = config["sizes"] if "sizes" in config else tuple(config[k] for k in COURSE_SIZES)
    data = model.data(2, 0, np.float64)
    n_x, n_y = data.X.shape[0], data.Y.shape[0]
    if (n[0], n[-1]) != (n_x, n_y):
        raise BadInput(f"--sizes {shown(sizes)}: model {model.name}'s data ({model.data.__name__}: X ({n_x}, m), "
                       f"Y ({n_y}, m)) needs {n_x} inputs and {n_y} outputs; expected --sizes "
                       f"{n_x},...,{n_y}")


def fixed(model, config, by, given=()):
    """``model`` with ``config`` (what a form's code fixes, e.g. {"lam": 0.0}) over its own config;
    ``BadInput`` when a value chosen otherwise contradicts it: an option in ``given``, or one set apart
    from the catalogue entry's (a Model configured in Python). ``by`` names the form in the message."""
    chosen = {**changed(model), **{k: model.config[k] for k in given if k in model.config}}
    for k, v in config.items():
        if k in chosen and plain(chosen[k]) != plain(v):
            raise BadInput(f"--{k} {shown(chosen[k])} contradicts {by}, whose code fixes {k} = {shown(v)}; "
                           f"drop --{k}, or say --form or --model if your code follows another form")
    return replace(model, config={**model.config, **config})
