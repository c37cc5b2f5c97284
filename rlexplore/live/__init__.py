"""Follow a training job's logs while it writes them: incremental, exact, no point lost.

:class:`Follower` watches a log directory (or one file). Each :meth:`Follower.poll`:

- lists the directory and recognises files it has not seen yet (reading the first
  4 KB of a new file once, as :func:`rlexplore.load` does), so new runs appear;
- reads only the bytes appended to TensorBoard event files and JSONL files since the
  last poll, from the offset after their last complete record: a record still being
  written at the end of a file waits for the next poll;
- re-reads any other file (trainer_state.json, CSV, ...) only when its size or
  modification time changed, since those formats are rewritten rather than appended;
- builds the Dataset with the loaders' own assembly (:mod:`rlexplore.io.assemble`), so
  restarts, "the later record wins", run names and metadata follow exactly the rules
  of a fresh :func:`rlexplore.load`: after the writer stops, ``follower.dataset`` equals
  ``rlexplore.load(logdir)``.

The per-poll cost is the new bytes plus an assembly of what changed; runs whose files
did not grow keep their reduced blocks. :meth:`Follower.start` polls on a timer
(:class:`Watch`). Modules: :mod:`.follower` (discovery and polls), :mod:`.tails`
(what was read of each append-only file, and the loader tables rebuilt from it),
:mod:`.watch` (the timer).
"""

from .follower import Follower
from .watch import Watch

__all__ = ["Follower", "Watch"]
