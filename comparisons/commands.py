"""What each ``handgrad`` command does, once ``comparisons.cli`` has parsed its options.

Each function takes the parsed ``args`` and returns the exit status (see ``comparisons.cli``). Every
command that writes files checks its output folder before any long work, and writes all its files at
once or none (``comparisons.writing``). Each imports only what it uses, so ``handgrad models`` does not
start PyTorch or JAX.
"""

import sys

from comparisons import BadInput, catalogue
from comparisons.writing import check_out_dir, write_files


def progress_shown():
    """Progress bars go to a terminal only: a log file or a pipe gets the tables alone."""
    return sys.stderr.isatty()


def wrote(paths):
    """The files written, as a short summary that fits the terminal: their folder once, then their names;
    and what ``write_files`` removed of the previous run's."""
    import os

    from comparisons.terminal import wrap_notes

    folders = list(dict.fromkeys(os.path.dirname(str(p)) or "." for p in paths))
    names = [os.path.basename(str(p)) if len(folders) == 1 else str(p) for p in paths]
    where = f" into {folders[0]}" if len(folders) == 1 else ""
    lines = [f"wrote {len(names)} file{'s' if len(names) != 1 else ''}{where}: {', '.join(names)}",
             *getattr(paths, "notes", ())]
    return wrap_notes("\n".join(lines))


def ending_on_the_verdict(text, *paragraphs):
    """``text`` with ``paragraphs`` (a course's recipe, the files written; empty ones left out) put before its
    last VERDICT paragraph, so that the output ends on the VERDICT; after the text where it has none."""
    extra = "\n\n".join(p.strip("\n") for p in paragraphs if p and p.strip())
    if not extra:
        return text
    head, sep, verdict = text.rpartition("\nVERDICT")
    if not sep:
        return f"{text}\n\n{extra}"
    return f"{head.rstrip()}\n\n{extra}\n\nVERDICT{verdict}"


def finish(text, out, files, command, *paragraphs):
    """Write ``files`` into ``out`` (when given), then print ``text`` ending on its VERDICT, with
    ``paragraphs`` and the files written before it."""
    try:
        written = wrote(write_files(out, files, run=command)) if out else ""
    except BadInput:        # a full disk: the results are shown all the same, then the one line of the error
        print(ending_on_the_verdict(text, *paragraphs))
        raise
    print(ending_on_the_verdict(text, *paragraphs, written))


def model_options(args):
    """{option: value} of the model options (``model_options.OPTIONS``: --lam, --sizes, ...); None: not given."""
    from comparisons.model_options import OPTIONS

    return {k: getattr(args, k) for k in OPTIONS}


def given(options):
    """The options' flags that were given, e.g. ["--lam", "--penalty"]."""
    return [f"--{k}" for k, v in options.items() if v is not None]


def own_files(args):
    """The flags of the person's files given: ["--params", "--data"] or fewer."""
    return [f"--{k}" for k in ("params", "data") if getattr(args, k, None) is not None]


def with_own(model, args):
    """``model`` at the weights of --params and on the examples of --data (``comparisons.own``)."""
    from comparisons import own

    return own.with_own(model, args.params, args.data) if own_files(args) else model


def said(model, starting=""):
    """Print how the person's files were read (the lines starting with ``starting``), before the results."""
    from comparisons.terminal import wrap_notes

    for line in getattr(model, "said", ()):
        if line.startswith(starting):
            print(wrap_notes(line))


def report(args):
    """Agreement (and speed) for catalogue models; 1 if any derivation disagrees, 3 if a section failed."""
    from comparisons import layer_reports
    from comparisons import report as reports
    from comparisons.model_options import configured

    options = model_options(args)
    if given(options) and not args.model:
        raise BadInput(f"{given(options)[0]} applies to the models named by --model; expected at least one "
                       f"--model NAME (a report runs every model unless told which)")
    own = own_files(args)
    if own and not args.model:
        raise BadInput(f"{own[0]} applies to the models named by --model; expected at least one --model NAME "
                       f"whose shapes fit the file")
    if args.layer and args.no_layers:
        raise BadInput("--no-layers leaves out the layer table that --layer asks for; expected one of them")
    if args.train and not args.html:
        raise BadInput("--train adds training curves to report.html; expected --html too")
    check_out_dir(args.out)
    # neither --model nor --layer: every model and every layer; otherwise what was named
    names = args.model or ([] if args.layer else list(catalogue.CATALOGUE))
    models = [with_own(configured(name, **options), args) for name in names]
    layers = [] if args.no_layers or (args.model and not args.layer) else layer_reports.chosen(args.layer)
    if models:
        said(models[0])
    result = reports.build(models, tuple(args.dtype or ("float64", "float32")), seed=args.seed,
                           speed=not args.no_speed, speed_m=args.speed_m, repeats=args.repeats,
                           threads=args.threads, progress=progress_shown(), witness=not args.no_witness,
                           layers=layers, jobs=args.jobs)
    files = reports.files(result)
    if args.html:
        from comparisons.html import report_html
        from comparisons.html.report_page import training_sections

        extra = training_sections(models, args.seed, progress_shown()) if args.train else ()
        files["report.html"] = report_html(result, extra=extra)
    finish(reports.render_terminal(result, out=args.out), args.out, files, args.command)
    return reports.exit_status(result)


def models(args):
    """The catalogue: names, parameter counts and shapes, speed batch; then each summary; then the layer
    catalogue (``layer_listing``); wrapped to the terminal's width (COLUMNS or the tty's) so no line runs
    past it."""
    import shutil
    import textwrap

    import pandas as pd

    width = shutil.get_terminal_size().columns
    table = pd.DataFrame([dict(name=m.name, parameters=m.n_params(), speed_m=m.speed_m)
                          for m in catalogue.CATALOGUE.values()])
    lines = table.to_string(index=False).splitlines()
    shapes_at = max(map(len, lines)) + 2          # the shapes last, wrapped, so that no row passes the width
    print(lines[0].ljust(shapes_at) + "shapes")
    for line, m in zip(lines[1:], catalogue.CATALOGUE.values()):
        print(textwrap.fill(m.sizes(), width=max(width, shapes_at + 30), initial_indent=line.ljust(shapes_at),
                            subsequent_indent=" " * shapes_at))
    indent = " " * (max(map(len, catalogue.CATALOGUE)) + 2)
    print()
    for m in catalogue.CATALOGUE.values():
        print(textwrap.fill(m.summary, width=max(width, 40), initial_indent=f"{m.name}:".ljust(len(indent)),
                            subsequent_indent=indent))
    print()
    print(layer_listing(width))
    return 0


def layer_listing(width):
    """The layer catalogue (``manual.layers``) as the models' table is: name and module in columns, then
    the gradients and the summary, wrapped to ``width`` (at least 30 columns of it) so no row passes it."""
    import textwrap

    from manual.layers import catalogue as layer_catalogue

    layers = list(layer_catalogue().values())
    rows = [("layer", "module")] + [(layer.name, layer.module) for layer in layers]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)) for r in rows]
    text_at = max(map(len, lines)) + 2
    out = [f"layers ({len(layers)}; `handgrad layers` checks each against PyTorch, JAX and the witness):",
           lines[0].ljust(text_at) + "[gradients] summary"]
    for line, layer in zip(lines[1:], layers):
        grads = ", ".join("d" + g for g in layer.grads)
        out.append(textwrap.fill(f"[{grads}] {layer.summary or '-'}", width=max(width, text_at + 30),
                                 initial_indent=line.ljust(text_at), subsequent_indent=" " * text_at))
    return "\n".join(out)


def check(args):
    """The numerical witness alone against a model's manual derivation: every convention's score, the
    kink-crossed counts, random directions, the first wrong quantity in backward order, blind spots."""
    import numpy as np

    from comparisons.model_options import configured
    from comparisons.numerical import check_report, plan_for

    if args.layer:
        return check_layer(args)
    check_out_dir(args.out)
    model = with_own(configured(args.model, **model_options(args)), args)
    dtype = np.dtype(args.dtype)
    data = model.data(args.m, args.seed, dtype)
    params = model.init_params(args.seed, dtype)
    sizes = dict(directions=args.directions, **({"per_array": args.sample} if args.sample else {}))
    full = True if args.full else False if args.sample else None   # None: every element if the budget allows
    plan = plan_for(model.n_params(), args.m, args.budget, full=full, kinks=bool(model.manual.KINKS),
                    seed=args.seed, **sizes)
    text, files, ok = check_report(model, params, data, plan, blind=not args.no_blind_spots,
                                   progress=progress_shown(), out=args.out)
    from comparisons.terminal import wrap_notes

    if model.label != model.name:
        print(wrap_notes(options_line(model, params, data, args.seed)) + "\n")
    said(model, "params:")      # the data is said by the check's first line
    recipe = ""
    if args.recipe:
        recipe = files[f"recipe-{args.recipe}.md"] = course_recipe(model, params, data, args.recipe, ok)
    finish(text, args.out, files, args.command, wrap_notes(recipe))
    return 0 if ok else 1


def check_layer(args):
    """``check --layer NAME``: the layer's hand backward against the witness of s = sum(out * dout), in
    float64, with every convention's score (``comparisons.layer_reports.check_report``)."""
    from comparisons import layer_reports
    from manual.layers import catalogue as layer_catalogue

    models_only = [flag for flag, used in [("--m", args.m != 64), ("--dtype", args.dtype != "float64"),
                                           ("--no-blind-spots", args.no_blind_spots)] if used]
    models_only += own_files(args) + given(model_options(args))
    if models_only:
        raise BadInput(f"{models_only[0]} applies to --model, not to --layer (a layer's check runs its own inputs "
                       f"through the hand backward in float64; `handgrad layers --dtype float32` compares float32 "
                       f"with PyTorch and JAX); it takes --seed, --full, --sample, --directions, --budget, "
                       f"--recipe and --out")
    check_out_dir(args.out)
    layer = layer_catalogue()[args.layer]
    sizes = dict(directions=args.directions, **({"per_array": args.sample} if args.sample else {}))
    full = True if args.full else False if args.sample else None
    text, files, ok = layer_reports.check_report(layer, args.seed, recipe=args.recipe, full=full,
                                                 budget_s=args.budget, out=args.out, **sizes)
    finish(text, args.out, files, args.command)
    return 0 if ok else 1


def course_recipe(model, params, data, key, witness_ok):
    """The course's own gradient check (``comparisons.numerical.recipes``) beside the witness's verdict, as
    text (printed before the VERDICT). It does not change the exit status: the witness's verdict does."""
    from comparisons.numerical.recipes import fixed_step_note, recipe_lines

    outcome, lines = recipe_lines(model, params, data.X, data.Y, key)
    if witness_ok and not outcome.ok:
        lines.append(f"  The witness agrees where the recipe fails. {fixed_step_note(outcome)} The witness chooses "
                     "its step by a sweep.")
    lines.append("  (beside the witness, whose VERDICT sets the exit status)")
    return "\n".join(lines) + "\n"


def options_line(model, params, data, seed):
    """What the options changed: the config, and J under it and under the catalogue entry's own config
    (on the same batch, each at its own parameters of ``seed``)."""
    from comparisons.model_options import said

    entry = catalogue.get(model.name)
    J, J0 = (m.manual.loss(m.init_params(seed, data.X.dtype), data.X, data.Y) for m in (model, entry))
    return (f"model options: {model.label}; J = {float(J):.6g} at seed {seed}'s parameters (the catalogue's "
            f"{said(entry.config) or 'config'}: J = {float(J0):.6g})\n")


def verify(args):
    """A person's own derivation against PyTorch, JAX and the witness; 2 when it cannot be checked.
    With --cost, --grad and --params: black-box mode, a gradient against the numerical witness alone."""
    from comparisons.verify import CannotVerify, verify as run_verify

    if args.out or args.html:
        check_out_dir(args.out or "reports")
    from comparisons.own import is_params_file

    # --params FILE (.npz, .npy, .mat) outside black-box mode: the person's weights, not a name in their code
    own_params = args.params if args.cost is None and args.grad is None and is_params_file(args.params) else None
    box = dict(cost=args.cost, grad=args.grad, params=None if own_params else args.params)
    try:
        if any(v is not None for v in box.values()):
            check_black_box(args, box)
            result = run_verify(args.target, **box, seed=args.seed, full_witness=args.full_witness,
                                timeout=args.timeout, recipe=args.recipe)
        else:
            result = run_verify(args.target, args.model, form=args.form, names=args.names, m=args.m,
                                seed=args.seed, dtype=args.dtype, cases=args.case, against=args.against,
                                full_witness=args.full_witness, timeout=args.timeout, progress=progress_shown(),
                                options=model_options(args), own_params=own_params, own_data=args.data,
                                recipe=args.recipe)
    except CannotVerify as e:
        print(f"handgrad verify: could not check {args.target}: {e}", file=sys.stderr)
        return 2
    from comparisons.terminal import width

    text = result.render(width()) if hasattr(result, "terminal_view") else result.render()
    files = result.files()
    if args.html:          # verify.html beside the other files: into --out, reports/ without one
        from comparisons.html import verify_html

        files["verify.html"] = verify_html(result)
    finish(text, args.out or ("reports" if args.html else None), files, args.command)
    return result.exit_status


def check_black_box(args, box):
    """``BadInput`` unless --cost, --grad and --params are all given, and no option of the forms' path."""
    missing = [f"--{k}" for k, v in box.items() if v is None]
    if missing:
        raise BadInput(f"black-box mode takes --cost, --grad and --params together; missing {', '.join(missing)} "
                       f"(e.g. --cost cost --grad grad --params theta0; see handgrad verify --help)")
    forms_only = [flag for flag, used in [("--model", args.model), ("--form", args.form != "auto"),
                                          ("--names", args.names), ("--case", args.case), ("--against", args.against),
                                          ("--data", args.data),
                                          ("--m", args.m != 64), ("--dtype", args.dtype != "float64")] if used]
    forms_only += given(model_options(args))
    if forms_only:
        raise BadInput(f"{forms_only[0]} does not apply to black-box mode (--cost, --grad, --params: your gradient "
                       f"against the numerical witness of your cost, in float64); it takes --seed, --full-witness, "
                       f"--timeout and --out")


def layers(args):
    """The layer catalogue (``manual.layers``), each backward against torch's and JAX's vector-Jacobian
    products and the witness; 1 if any disagrees."""
    from comparisons import layer_check
    from manual.layers import catalogue

    if args.out:
        check_out_dir(args.out)
    found = catalogue()
    chosen = [found[name] for name in (args.layer or found)]
    frame = layer_check.table(chosen, tuple(args.dtype or ("float64", "float32")), args.seed,
                              progress=progress_shown())
    text, ok = layer_check.render(frame, args.out)
    finish(text, args.out, layer_check.files(frame), args.command)
    return 0 if ok else 1


def reproduce(args):
    """The curricula's published gradient-check figures recomputed on their test cases; 0 when all agree."""
    from comparisons import reproduce as published

    if args.out:
        check_out_dir(args.out)
    text, files, ok = published.report(out=args.out)
    finish(text, args.out, files, args.command)
    return 0 if ok else 1


def forms(args):
    """The forms of code ``verify`` reads, each with its functions' signatures and conventions, wrapped
    to the terminal's width (COLUMNS or the tty's)."""
    import shutil

    from comparisons.forms import describe

    print(describe(shutil.get_terminal_size().columns))
    return 0


def mistakes(args):
    """The gallery of classic mistakes, each planted and caught, and look-alikes that are right: the
    models', then the layers' (``layer_exhibit``: a section of mistakes.md and layer-mistakes.csv);
    1 when a mistake goes uncaught or a look-alike fails in either."""
    from comparisons.mistakes import exhibit, layer_exhibit

    check_out_dir(args.out)
    gallery = exhibit.run(m=args.m, seed=args.seed, progress=progress_shown())
    layers = layer_exhibit.run(seed=args.seed, progress=progress_shown())
    files = exhibit.files(gallery)
    files = {**files, "mistakes.md": f"{files['mistakes.md']}\n{layer_exhibit.section(layers)}",
             **layer_exhibit.files(layers)}
    text = f"{exhibit.render_terminal(gallery, out=args.out)}\n\n{layer_exhibit.render_terminal(layers, out=args.out)}"
    finish(text, args.out, files, args.command)
    return 0 if gallery.ok and layers.ok else 1


def bench(args):
    """Timing tables, the machine's floor, peak memory and scaling sweeps for one model; with --layers,
    the convolution layer's backends over the image side (``bench_layers``)."""
    from comparisons import bench as speed

    if args.layers:
        return bench_layers(args)
    check_out_dir(args.out)
    model = with_own(catalogue.get(args.model), args)
    said(model)
    if args.sweep_width and not speed.has_width(model):
        raise BadInput(f"--sweep-width: model {model.name} has no hidden width; expected a network model")
    widths = speed.WIDTH_SWEEP if args.sweep_width is None else args.sweep_width
    result = speed.run_bench(model, m=args.m, dtypes=tuple(args.dtype or ("float32", "float64")),
                             kinds=tuple(args.kind or speed.KINDS), backends=args.backend, ms=args.sweep_m,
                             widths=widths, width_m=args.width_m, repeats=args.repeats, warmup=args.warmup,
                             threads=args.threads, seed=args.seed, with_memory=not args.no_memory,
                             progress=None if progress_shown() else False,
                             with_attribution=not args.no_attribution)
    finish(speed.terminal(result, out=args.out), args.out, speed.files(result), args.command)
    return 0


def bench_layers(args):
    """``handgrad bench --layers``: convolution naive, im2col, torch and JAX over --sides
    (``comparisons.bench.layers``); the model bench's options do not apply and are refused."""
    from comparisons import bench as speed
    from comparisons.bench import layers as conv_bench

    model_only = [flag for flag, used in [("--model", args.model != "seed_net"), ("--backend", args.backend),
                                          ("--m", args.m != 60_000), ("--sweep-m", args.sweep_m != speed.M_SWEEP),
                                          ("--sweep-width", args.sweep_width is not None),
                                          ("--width-m", args.width_m != speed.WIDTH_M), ("--no-memory", args.no_memory),
                                          ("--no-attribution", args.no_attribution),
                                          *[(flag, True) for flag in own_files(args)]] if used]
    if model_only:
        raise BadInput(f"{model_only[0]} does not apply to --layers (the convolution layer's bench); it takes "
                       f"--sides, --dtype, --kind, --repeats, --warmup, --threads, --seed and --out")
    if not args.sides:
        raise BadInput("--sides is empty; expected at least one image side, e.g. 8,16,32")
    check_out_dir(args.out)
    result = conv_bench.run_layer_bench(sides=args.sides, dtypes=tuple(args.dtype or ("float32", "float64")),
                                        kinds=tuple(args.kind or speed.KINDS), seed=args.seed, repeats=args.repeats,
                                        warmup=args.warmup, threads=args.threads,
                                        progress=None if progress_shown() else False)
    # its own list in the folder's manifest: a --layers run does not remove the model bench's files
    finish(conv_bench.terminal(result, out=args.out), args.out, conv_bench.files(result), "bench --layers")
    return 0


def train(args):
    """The model trained by the manual derivation, PyTorch and JAX side by side (``comparisons.train``);
    1 when they part beyond the bound, the loss does not fall or becomes non-finite."""
    import os

    from comparisons import own
    from comparisons.train import train as run_training

    check_out_dir(args.out)
    model = catalogue.get(args.model)
    model = own.with_own(model, None, args.data) if args.data is not None else model
    said(model)
    result = run_training(model, alpha=args.alpha, steps=args.steps, batch=args.batch, dtype=args.dtypes,
                          seed=args.seed, m=args.m, held_out=args.held_out, threads=args.threads,
                          progress=progress_shown() and not os.environ.get("CI"))
    finish(result.render(args.out), args.out, result.files(), args.command)
    return result.exit_status
