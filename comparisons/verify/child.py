"""The child process of ``run.run_isolated``: ``python -m comparisons.verify.child REQUEST RESPONSE STATUS``.

Reads the request (target, model name, cases, form), runs ``run.run_here`` and writes
``{"outcome": Outcome}`` or ``{"error": message}`` to RESPONSE. What the person's code prints is
the child's own output, which the parent discards.
"""

import pickle
import sys
from pathlib import Path

from comparisons.verify.errors import CannotVerify
from comparisons.verify.run import run_here


def main(request, response, status):
    job = pickle.loads(Path(request).read_bytes())
    try:
        answer = {"outcome": run_here(job["target"], job["model"], job["cases"], job["form"], status)}
    except CannotVerify as e:
        answer = {"error": str(e)}
    Path(response).write_bytes(pickle.dumps(answer))


if __name__ == "__main__":
    main(*sys.argv[1:4])
