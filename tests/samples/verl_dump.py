"""Write rollout dumps the way verl's ``RayPPOTrainer._dump_generations`` writes them.

verl (``verl/trainer/ppo/ray_trainer.py``) builds ``base_data = {"input", "output", "gts",
"score", "step"}``, adds every ``reward_extra_infos_dict`` entry whose length is the batch's,
and writes ``json.dumps(entry, ensure_ascii=False)`` per line to ``<dump_path>/<step>.jsonl``.
This helper is that code, so tests read files shaped by the writer's own logic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def dump_generations(inputs, outputs, gts, scores, reward_extra_infos_dict, dump_path, step):
    """The code of verl's ``_dump_generations``, with ``self.global_steps`` passed as `step`."""
    os.makedirs(dump_path, exist_ok=True)
    filename = os.path.join(dump_path, f"{step}.jsonl")
    n = len(inputs)
    base_data = {
        "input": inputs,
        "output": outputs,
        "gts": gts,
        "score": scores,
        "step": [step] * n,
    }
    for k, v in reward_extra_infos_dict.items():
        if len(v) == n:
            base_data[k] = v
    lines = []
    for i in range(n):
        entry = {k: v[i] for k, v in base_data.items()}
        lines.append(json.dumps(entry, ensure_ascii=False))
    with open(filename, "w") as f:
        f.write("\n".join(lines) + "\n")
    return Path(filename)


def write_run(root: Path, steps=(1, 2, 3), n=4, validation=True) -> dict:
    """A verl run: ``rollout/<step>.jsonl`` and ``validation/<step>.jsonl``; returns what was written."""
    written = {}
    for step in steps:
        inputs = [f"Q{i}: what is {i} + {step}? <script>x</script>" for i in range(n)]
        outputs = [f"Réponse {i + step} ✓" if i % 2 else "" for i in range(n)]
        scores = [float(i) / n + step for i in range(n)]
        extra = {"acc": [i % 2 == 1 for i in range(n)], "pred": [str(i + step) for i in range(n)]}
        dump_generations(
            inputs,
            outputs,
            [str(i + step) for i in range(n)],
            scores,
            extra,
            root / "rollout",
            step,
        )
        written[("train", step)] = (inputs, outputs, scores, extra)
        if validation:
            dump_generations(
                inputs[:2], outputs[:2], ["g"] * 2, scores[:2], {}, root / "validation", step
            )
            written[("eval", step)] = (inputs[:2], outputs[:2], scores[:2], {})
    return written
