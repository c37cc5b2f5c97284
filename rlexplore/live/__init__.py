"""Follow a training job's logs while it writes them: incremental, exact, no point lost.

:class:`Follower` watches a log directory (or one file). Each :meth:`Follower.poll`:

- discovers the files as :func:`rlexplore.load` does (:func:`rlexplore.io.core.discover`),
  sniffing a new file once its head is final, so new runs appear;
- reads TensorBoard event files and JSONL files through the loaders' own resumable
  readers (:class:`rlexplore.io.Reader`), kept between polls: only the bytes appended
  since the last poll are read, from the offset after the last complete record, and a
  record still being written at the end of a file waits for the next poll;
- re-reads any other file (trainer_state.json, CSV, ...) only when its size or
  modification time changed, since those formats are rewritten rather than appended;
- builds the Dataset with the loaders' own steps (:func:`rlexplore.io.core.build`, the
  one builder of :mod:`rlexplore.dataset.blocks`), so restarts, "the later record wins",
  run names and metadata follow exactly the rules of a fresh :func:`rlexplore.load`:
  after the writer stops, ``follower.dataset`` equals ``rlexplore.load(logdir)``.

The per-poll cost is the new bytes plus an assembly of what changed; runs whose files
did not grow keep their reduced blocks. :meth:`Follower.start` polls on a timer
(:class:`Watch`). Modules: :mod:`.follower` (discovery and polls), :mod:`.watch` (the timer).
"""

from .follower import Follower
from .watch import Watch

__all__ = ["Follower", "Watch"]
